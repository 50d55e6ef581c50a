// Walks a parsed configuration, checking each value's type and collecting
// every problem with its path (Dhcp4.subnet4[2].pools[0].pool) instead of
// stopping at the first one.
export type JsonObject = Record<string, unknown>;

export class ConfigInvalid extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export class ConfigReader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly allowUnsupported: boolean) {}

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  /**
   * The value as an object whose keys are all in `supported`. Keys in
   * `ignored` are Kea settings with no meaning for dhcpg (a warning); any
   * other key is an error, or a warning with --allow-unsupported.
   */
  object(value: unknown, path: string, supported: readonly string[], ignored: readonly string[] = []): JsonObject | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(path, 'must be an object');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (supported.includes(key) || key === 'comment' || key === 'user-context') continue;
      if (ignored.includes(key)) {
        this.warnings.push(`${path}.${key}: ignored (a Kea setting that dhcpg has no use for)`);
      } else if (this.allowUnsupported) {
        this.warnings.push(`${path}.${key}: not supported by dhcpg, ignored`);
      } else {
        this.problem(`${path}.${key}`, 'not supported by dhcpg (see the README for the supported subset)');
      }
    }
    return value as JsonObject;
  }

  array(object: JsonObject, key: string, path: string): unknown[] {
    const value = object[key];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(`${path}.${key}`, 'must be a list');
      return [];
    }
    return value;
  }

  string(object: JsonObject, key: string, path: string): string | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem(`${path}.${key}`, 'must be a string');
      return undefined;
    }
    return value;
  }

  boolean(object: JsonObject, key: string, path: string): boolean | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(`${path}.${key}`, 'must be true or false');
      return undefined;
    }
    return value;
  }

  integer(object: JsonObject, key: string, path: string, min: number, max: number): number | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(`${path}.${key}`, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigInvalid(this.problems);
  }
}
