// A whole configuration file: Kea's top level, with Dhcp4 (and, in a later
// version, Dhcp6) inside.
import { readFileSync } from 'node:fs';
import { readDhcp4, type Config4 } from './dhcp4.ts';
import { parseKeaJson } from './kea-file.ts';
import { ConfigInvalid, ConfigReader } from './reader.ts';

export interface ConfigFile {
  dhcp4?: Config4;
  warnings: string[];
}

export interface ReadOptions {
  allowUnsupported?: boolean;
}

export const readConfigText = (text: string, fileName: string, options: ReadOptions = {}): ConfigFile => {
  const reader = new ConfigReader(options.allowUnsupported ?? false);
  // Kea 1.x kept its loggers in a top-level "Logging" object.
  const root = reader.object(parseKeaJson(text, fileName), fileName, ['Dhcp4', 'Dhcp6'], ['Logging', 'DhcpDdns', 'Control-agent']);
  if (root && root.Dhcp6 !== undefined) {
    reader.problem(`${fileName}: Dhcp6`, 'DHCPv6 is not served by this version of dhcpg yet');
  }
  if (root && root.Dhcp4 === undefined && root.Dhcp6 === undefined) {
    reader.problem(fileName, 'has neither Dhcp4 nor Dhcp6');
  }
  reader.finish();
  const warnings = [...reader.warnings];
  if (root?.Dhcp4 === undefined) return { warnings };
  try {
    const { config, warnings: dhcp4Warnings } = readDhcp4(root.Dhcp4, options);
    return { dhcp4: config, warnings: [...warnings, ...dhcp4Warnings] };
  } catch (error) {
    if (error instanceof ConfigInvalid) throw new ConfigInvalid([...reader.problems, ...error.problems]);
    throw error;
  }
};

export const readConfigFile = (path: string, options: ReadOptions = {}): ConfigFile =>
  readConfigText(readFileSync(path, 'utf8'), path, options);
