// The machinery of an option table, shared by DHCPv4 and DHCPv6: option
// definitions typed the way ISC Kea's libdhcp++ types them, and a table of
// them that looks options up by code or name and converts Kea "option-data"
// text to wire bytes and back (option-data.ts). src/dhcp4/options.ts and
// src/dhcp6/options.ts each hold one family's definitions.
import { encodeOptionData, formatOptionData, type OptionRules } from './option-data.ts';

/** A value, or one field of a record (Kea's option data types). */
export type FieldType =
  | 'binary'
  | 'boolean'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'int32'
  | 'ipv4-address'
  | 'ipv6-address'
  | 'string'
  | 'fqdn'
  /**
   * A string after a 2-byte length (DHCPv6 opaque data, RFC 5970, Section 3.2;
   * RFC 8572, Section 8.3). DHCPv4 tuples have a 1-byte length; no DHCPv4
   * option here has one.
   */
  | 'tuple';

export type OptionType =
  | FieldType
  /** No payload: being present is the whole message (rapid-commit). */
  | 'empty'
  /** Fields in a fixed order; with `array` the last field repeats. */
  | 'record'
  /** DHCPv4's RFC 3442 routes, written as Kea writes them: "10.0.0.0/8 - 10.1.1.1, ...". */
  | 'classless-route'
  /** Written by the server from protocol state, never from configuration. */
  | 'internal';

interface DefinitionBase {
  readonly code: number;
  readonly name: string;
  /** The value repeats (for a record: its last field repeats), like Kea's array flag. */
  readonly array: boolean;
}

export type OptionDef =
  | (DefinitionBase & { readonly type: Exclude<OptionType, 'record'> })
  | (DefinitionBase & { readonly type: 'record'; readonly fields: RecordFields });

/** A record's field types in wire order; Kea records have at least one. */
export type RecordFields = readonly [FieldType, ...FieldType[]];

/** A definition of one value. */
export const one = (code: number, name: string, type: Exclude<OptionType, 'record'>): OptionDef => ({
  code,
  name,
  type,
  array: false,
});

/** A definition of a value that repeats. */
export const list = (code: number, name: string, type: FieldType | 'classless-route'): OptionDef => ({
  code,
  name,
  type,
  array: true,
});

/** A definition of a record; with `array` its last field repeats. */
export const record = (code: number, name: string, fields: RecordFields, array = false): OptionDef => ({
  code,
  name,
  type: 'record',
  fields,
  array,
});

/** One family's options. */
export interface OptionTable {
  readonly definitions: readonly OptionDef[];
  byCode(code: number): OptionDef | undefined;
  byName(name: string): OptionDef | undefined;
  /**
   * A Kea `option-data` `data` string as the option's payload, as Kea reads
   * it. With csvFormat the data is comma-separated values typed by the
   * definition (\, is a comma inside a value, "\\," in JSON); without it, hex
   * bytes ("0A0B0C", "0x0a0b0c", "0a:0b:0c" or "0a 0b 0c") that must fit the
   * definition. Throws OptionDataError naming the option.
   */
  encode(def: OptionDef, data: string, csvFormat?: boolean): Buffer;
  /**
   * The payload in the notation encode reads, or undefined when it does not
   * fit the definition or holds text that notation cannot carry (bytes that
   * are not UTF-8, dots inside a domain label). Internal options come out as
   * hex.
   */
  format(def: OptionDef, payload: Buffer): string | undefined;
}

/** A table of definitions whose codes and names are each unique. */
export const optionTable = (definitions: readonly OptionDef[], rules: OptionRules): OptionTable => {
  const byCode = new Map(definitions.map((def) => [def.code, def]));
  const byName = new Map(definitions.map((def) => [def.name, def]));
  return {
    definitions,
    byCode: (code) => byCode.get(code),
    byName: (name) => byName.get(name),
    encode: (def, data, csvFormat = true) => encodeOptionData(def, data, csvFormat, rules),
    format: (def, payload) => formatOptionData(def, payload, rules),
  };
};
