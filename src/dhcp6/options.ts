// The DHCPv6 option table: one entry per standard option, named the way ISC
// Kea's configuration names it and typed the way Kea's libdhcp++ standard
// option definitions type it, on the machinery DHCPv4 uses too
// (src/dhcp/option-table.ts).
//
// Where this table differs from Kea it says so next to the entry: options
// whose payload is an encapsulated option space are carried as raw bytes,
// and the options the server writes from protocol state (identifiers, IAs,
// status codes, relay framing) are not configurable. Leasequery (RFC 5007,
// RFC 5460), DHCPv4-over-DHCPv6 (RFC 7341) and options needing Kea's
// ipv6-prefix or psid types are left out: dhcpg speaks none of them.

import { list, one, optionTable, record, type OptionDef } from '../dhcp/option-table.ts';

export const OPTION_DEFINITIONS_6: readonly OptionDef[] = [
  one(1, 'clientid', 'internal'), // RFC 8415, Section 21.2 (echoed from the request)
  one(2, 'serverid', 'internal'), // RFC 8415, Section 21.3 (the server's DUID)
  one(3, 'ia-na', 'internal'), // RFC 8415, Section 21.4
  one(4, 'ia-ta', 'internal'), // RFC 8415, Section 21.5
  one(5, 'iaaddr', 'internal'), // RFC 8415, Section 21.6
  list(6, 'oro', 'uint16'), // RFC 8415, Section 21.7
  one(7, 'preference', 'uint8'), // RFC 8415, Section 21.8
  one(8, 'elapsed-time', 'internal'), // RFC 8415, Section 21.9 (sent by clients)
  one(9, 'relay-msg', 'internal'), // RFC 8415, Section 21.10 (framing, handled by the codec)
  // RFC 8415, Section 21.11. Kea has no type for its 64-bit replay detection
  // field either and carries it as bytes.
  one(11, 'auth', 'binary'),
  one(12, 'unicast', 'ipv6-address'), // RFC 8415, Section 21.12
  one(13, 'status-code', 'internal'), // RFC 8415, Section 21.13
  one(14, 'rapid-commit', 'internal'), // RFC 8415, Section 21.14 (answers the client's)
  one(15, 'user-class', 'binary'), // RFC 8415, Section 21.15
  record(16, 'vendor-class', ['uint32', 'binary']), // RFC 8415, Section 21.16
  // RFC 8415, Section 21.17. Kea encapsulates a vendor option space after the
  // enterprise number; we carry the already encoded sub-options, as hex.
  record(17, 'vendor-opts', ['uint32', 'binary']),
  one(18, 'interface-id', 'internal'), // RFC 8415, Section 21.18 (the relay's, echoed back)
  one(19, 'reconf-msg', 'internal'), // RFC 8415, Section 21.19 (only in Reconfigure)
  one(20, 'reconf-accept', 'empty'), // RFC 8415, Section 21.20
  list(21, 'sip-server-dns', 'fqdn'), // RFC 3319, Section 3.1
  list(22, 'sip-server-addr', 'ipv6-address'), // RFC 3319, Section 3.2
  list(23, 'dns-servers', 'ipv6-address'), // RFC 3646, Section 3
  list(24, 'domain-search', 'fqdn'), // RFC 3646, Section 4
  one(25, 'ia-pd', 'internal'), // RFC 8415, Section 21.21
  one(26, 'iaprefix', 'internal'), // RFC 8415, Section 21.22
  list(27, 'nis-servers', 'ipv6-address'), // RFC 3898, Section 3
  list(28, 'nisp-servers', 'ipv6-address'), // RFC 3898, Section 4
  list(29, 'nis-domain-name', 'fqdn'), // RFC 3898, Section 5
  list(30, 'nisp-domain-name', 'fqdn'), // RFC 3898, Section 6
  list(31, 'sntp-servers', 'ipv6-address'), // RFC 4075, Section 4
  one(32, 'information-refresh-time', 'uint32'), // RFC 8415, Section 21.23
  list(33, 'bcmcs-server-dns', 'fqdn'), // RFC 4280
  list(34, 'bcmcs-server-addr', 'ipv6-address'), // RFC 4280
  record(36, 'geoconf-civic', ['uint8', 'uint16', 'binary']), // RFC 4776
  record(37, 'remote-id', ['uint32', 'binary']), // RFC 4649, Section 3 (from relays)
  one(38, 'subscriber-id', 'binary'), // RFC 4580 (from relays)
  record(39, 'client-fqdn', ['uint8', 'fqdn']), // RFC 4704, Section 4
  list(40, 'pana-agent', 'ipv6-address'), // RFC 5192
  one(41, 'new-posix-timezone', 'string'), // RFC 4833
  one(42, 'new-tzdb-timezone', 'string'), // RFC 4833
  list(43, 'ero', 'uint16'), // RFC 4994
  one(51, 'v6-lost', 'fqdn'), // RFC 5223
  list(52, 'capwap-ac-v6', 'ipv6-address'), // RFC 5417
  // RFC 5908 Kea encapsulates its sub-option space (server
  // address, multicast address, FQDN); we carry them encoded, as hex.
  one(56, 'ntp-server', 'binary'),
  one(57, 'v6-access-domain', 'fqdn'), // RFC 5986
  list(58, 'sip-ua-cs-list', 'fqdn'), // RFC 6011
  one(59, 'bootfile-url', 'string'), // RFC 5970, Section 3.1
  list(60, 'bootfile-param', 'tuple'), // RFC 5970, Section 3.2
  list(61, 'client-arch-type', 'uint16'), // RFC 5970, Section 3.3
  record(62, 'nii', ['uint8', 'uint8', 'uint8']), // RFC 5970, Section 3.4
  one(64, 'aftr-name', 'fqdn'), // RFC 6334, Section 3
  one(65, 'erp-local-domain-name', 'fqdn'), // RFC 6440
  record(74, 'rdnss-selection', ['ipv6-address', 'uint8', 'fqdn'], true), // RFC 6731
  one(79, 'client-linklayer-addr', 'binary'), // RFC 6939 (from relays)
  one(80, 'link-address', 'ipv6-address'), // RFC 6977
  one(82, 'solmax-rt', 'uint32'), // RFC 8415, Section 21.24
  one(83, 'inf-max-rt', 'uint32'), // RFC 8415, Section 21.25
  list(88, 'dhcp4o6-server-addr', 'ipv6-address'), // RFC 7341
  one(103, 'v6-captive-portal', 'string'), // RFC 8910
  list(136, 'v6-sztp-redirect', 'tuple'), // RFC 8572
  list(143, 'ipv6-address-andsf', 'ipv6-address'), // RFC 6153
];

// RFC 8415, Section 10: no DHCPv6 name may be compressed.
const DHCP6_OPTIONS = optionTable(OPTION_DEFINITIONS_6, { nameCompression: false });

export const optionByCode6 = DHCP6_OPTIONS.byCode;
export const optionByName6 = DHCP6_OPTIONS.byName;
/** Kea option-data text to the payload; see OptionTable.encode. Throws OptionDataError. */
export const encodeOptionData6 = DHCP6_OPTIONS.encode;
/** The payload in Kea notation, for logs; see OptionTable.format. */
export const formatOptionData6 = DHCP6_OPTIONS.format;
