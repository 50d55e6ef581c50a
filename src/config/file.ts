// A whole configuration file: Kea's top level, with Dhcp4, Dhcp6 or both
// inside, each checked; problems of both are reported together.
import { readFileSync } from 'node:fs';
import { readDhcp4, type Config4 } from './dhcp4.ts';
import { readDhcp6, type Config6 } from './dhcp6.ts';
import { parseKeaJson } from './kea-file.ts';
import { ConfigInvalid, ConfigReader } from './reader.ts';

export interface ConfigFile {
  dhcp4?: Config4;
  dhcp6?: Config6;
  warnings: string[];
}

export interface ReadOptions {
  allowUnsupported?: boolean;
}

export const readConfigText = (text: string, fileName: string, options: ReadOptions = {}): ConfigFile => {
  const reader = new ConfigReader(options.allowUnsupported ?? false);
  // Kea 1.x kept its loggers in a top-level "Logging" object.
  const root = reader.object(parseKeaJson(text, fileName), fileName, ['Dhcp4', 'Dhcp6'], ['Logging', 'DhcpDdns', 'Control-agent']);
  if (root && root.Dhcp4 === undefined && root.Dhcp6 === undefined) {
    reader.problem(fileName, 'has neither Dhcp4 nor Dhcp6');
  }
  reader.finish();
  const file: ConfigFile = { warnings: [...reader.warnings] };
  const problems: string[] = [];
  const read = <T>(section: unknown, readSection: (value: unknown, o: ReadOptions) => { config: T; warnings: string[] }): T | undefined => {
    if (section === undefined) return undefined;
    try {
      const { config, warnings } = readSection(section, options);
      file.warnings.push(...warnings);
      return config;
    } catch (error) {
      if (!(error instanceof ConfigInvalid)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  file.dhcp4 = read(root?.Dhcp4, readDhcp4);
  file.dhcp6 = read(root?.Dhcp6, readDhcp6);
  if (problems.length > 0) throw new ConfigInvalid(problems);
  return file;
};

export const readConfigFile = (path: string, options: ReadOptions = {}): ConfigFile =>
  readConfigText(readFileSync(path, 'utf8'), path, options);
