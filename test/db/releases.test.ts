// Releases are frozen: every migration file present at a release stays
// byte-identical, and a change to the migrations or to the front-end
// contract is a release of its own (package.json version, CHANGELOG.md
// entry, and its line in test/fixtures/releases.json).
import t from 'tap';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { CONTRACT, MIGRATIONS_DIR, OLDEST_SERVED_CONTRACT, RELEASE } from '../../src/db/schema.ts';

interface Release {
  contract: number;
  serves: [number, number];
  /** File name -> SHA-256 of its bytes. */
  migrations: Record<string, string>;
}

const releases = JSON.parse(readFileSync(new URL('../fixtures/releases.json', import.meta.url), 'utf8')) as Record<string, Release>;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(`${MIGRATIONS_DIR}/${file}`)).digest('hex');

t.test('no migration of a release was changed or removed', async (t) => {
  for (const [release, { migrations }] of Object.entries(releases)) {
    for (const [file, hash] of Object.entries(migrations)) {
      t.equal(sha256(file), hash, `${file} as released in ${release}: write a new migration instead of changing it`);
    }
  }
});

t.test('this version is a release holding every migration and this front-end contract', async (t) => {
  const current = releases[RELEASE];
  t.ok(current, `version ${RELEASE} (package.json) is recorded in test/fixtures/releases.json`);
  t.same(Object.keys(current?.migrations ?? {}).sort(), readdirSync(MIGRATIONS_DIR).sort(),
    'a new migration ships in a new release: bump the version, add its CHANGELOG entry and record it');
  t.same([current?.contract, current?.serves], [CONTRACT, [OLDEST_SERVED_CONTRACT, CONTRACT]],
    'a new front-end contract ships in a new release');
});

t.test('every release has its CHANGELOG entry', async (t) => {
  const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
  for (const release of Object.keys(releases)) t.match(changelog, new RegExp(`^## ${release.replaceAll('.', '\\.')}\\b`, 'm'), release);
});
