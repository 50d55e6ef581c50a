// Configuration: Kea's format and its checks, all-or-nothing apply, re-apply
// keeping leases, and "config show".
import t from 'tap';
import { applyConfig4, appliedConfig } from '../../src/config/apply.ts';
import { readConfigFile, readConfigText } from '../../src/config/file.ts';
import { ConfigInvalid } from '../../src/config/reader.ts';
import { leaseEngine4 } from '../../src/engine/lease-engine.ts';
import { testDatabase } from '../helpers/db.ts';
import { client, RELAYED } from '../helpers/engine.ts';

const FIXTURE = new URL('../fixtures/kea-dhcp4.json', import.meta.url).pathname;

const problems = (text: string, allowUnsupported = false): string[] => {
  try {
    readConfigText(text, 'test.json', { allowUnsupported });
    return [];
  } catch (error) {
    if (error instanceof ConfigInvalid) return error.problems;
    throw error;
  }
};

t.test('a Kea file with comments is read, inheritance resolved', async (t) => {
  const file = readConfigFile(FIXTURE);
  t.match(file.warnings, [/Dhcp4\.lease-database: ignored/]);
  const config = file.dhcp4!;
  t.same(config.interfaces, ['eth1']);
  t.same(config.subnets.map((s) => s.id), [1, 31, 32]);
  const office = config.subnets[0]!;
  t.match(office, { prefix: '192.0.2.0/24', validLifetime: 4000, renewTimer: 1000, rebindTimer: 2000 });
  t.same(office.optionData.map((o) => o.name), ['routers', 'domain-name-servers', 'domain-name']);
  t.same(config.subnets[1]!.relayAddresses, ['203.0.113.1']);
  t.equal(config.subnets[2]!.sharedNetwork, 'floor-3');
  t.equal(config.reservations.length, 3);
  t.same(config.reservations[2]!.circuitId, Buffer.from('port-7'));
});

t.test('every problem is reported with its path', async (t) => {
  t.same(problems(`{ "Dhcp4": { "subnet4": [ { "id": 1, "subnet": "192.0.2.0/24", "pools": [ { "pool": "192.0.2.10 - 192.0.3.10" } ], "bogus": 1 } ], "next-server": "x" } }`), [
    'Dhcp4.next-server: not supported by dhcpg (see the README for the supported subset)',
    'Dhcp4.subnet4[0].bogus: not supported by dhcpg (see the README for the supported subset)',
    'Dhcp4.subnet4[0].pools[0].pool: 192.0.2.10 - 192.0.3.10 is not inside subnet 192.0.2.0/24',
  ]);
  t.match(problems(`{ "Dhcp4": { "subnet4": [ { "subnet": "192.0.2.0/33" } ] } }`), [
    'Dhcp4.subnet4[0].id: required: dhcpg keeps leases by subnet id',
    'Dhcp4.subnet4[0].subnet: must be an IPv4 prefix such as 192.0.2.0/24',
  ]);
  t.match(problems(`{ "Dhcp4": { "valid-lifetime": "long", "subnet4": [ { "id": 1, "subnet": "192.0.2.0/24",
      "option-data": [ { "name": "routers", "data": "192.0.2.300" }, { "name": "no-such-option", "data": "1" } ],
      "reservations": [ { "hw-address": "zz", "ip-address": "198.51.100.1" } ] } ] } }`), [
    'Dhcp4.valid-lifetime: must be an integer from 1 to 2147483647',
    /Dhcp4\.subnet4\[0\]\.option-data\[0\]\.data: .*192\.0\.2\.300/,
    'Dhcp4.subnet4[0].option-data[1]: unknown option no-such-option',
    /Dhcp4\.subnet4\[0\]\.reservations\[0\]\.hw-address: must be hex bytes/,
  ]);
  t.match(problems(`{ "Dhcp4": { "subnet4": [
      { "id": 1, "subnet": "192.0.2.0/24", "pools": [ { "pool": "192.0.2.10 - 192.0.2.20" }, { "pool": "192.0.2.15 - 192.0.2.30" } ] },
      { "id": 1, "subnet": "192.0.2.128/25" } ] } }`), [
    /id 1 is also used/, /overlaps subnet 192\.0\.2\.0\/24/, /overlaps pool 192\.0\.2\.10 - 192\.0\.2\.20/,
  ]);
  t.match(problems(`{ "Dhcp4": { "valid-lifetime": 0 }, "Dhcp6": { "subnet6": [ { "id": 1, "subnet": "2001:db8::/129" } ] } }`), [
    /^Dhcp4\.valid-lifetime: /, /^Dhcp6\.subnet6\[0\]\.subnet: /,
  ], 'the problems of both families, together');
  t.match(problems(`{ "Dhcp4": {}, "Dhcp7": {} }`), [/Dhcp7: not supported/]);
  t.throws(() => readConfigText(`{ "Dhcp4": { "subnet4": [ } }`, 'broken.json'), /broken\.json: not valid JSON: ValueExpected at line 1, column 27/);
});

t.test('--allow-unsupported turns unknown keys into warnings', async (t) => {
  const file = readConfigText(`{ "Dhcp4": { "next-server": "192.0.2.1", "subnet4": [] } }`, 'x.json', { allowUnsupported: true });
  t.same(file.warnings, ['Dhcp4.next-server: not supported by dhcpg, ignored']);
});

t.test('apply, re-apply and show', async (t) => {
  const { db } = await testDatabase(t);
  const config = readConfigFile(FIXTURE).dhcp4!;
  const summary = await applyConfig4(db, config);
  // 100 + 91 + 63 pool addresses (198.51.100.128 is its subnet's network
  // address), and the reserved 192.0.2.201 outside the pool.
  t.match(summary, { subnets: 3, pools: 3, reservations: 3, addedAddresses: 254, strandedLeases: 0 });
  const [count] = await db.query<{ n: number }>('n1', `select count(*) as n from dhcpg.lease4`);
  t.equal(count?.n, 255);
  t.same((await appliedConfig(db)).Dhcp4, JSON.parse(JSON.stringify(config.source)));

  // Leases survive a re-apply that changes options and adds a pool.
  const engine = leaseEngine4(db);
  const c = client(1);
  const offer = await engine.discover(c, { selector: '192.0.2.1', relay: '192.0.2.1' });
  t.equal((await engine.request(c, RELAYED, 'selecting', offer.address!)).action, 'ack');
  const changed = readConfigText(JSON.stringify({ Dhcp4: { ...config.source,
    subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.100 - 192.0.2.199' }, { pool: '192.0.2.20 - 192.0.2.29' }],
      'option-data': [{ name: 'routers', data: '192.0.2.254' }] }] } }), 'x').dhcp4!;
  const again = await applyConfig4(db, changed);
  t.match(again, { addedAddresses: 10, serial: summary.serial + 1 });
  t.match(await engine.request(c, { selector: offer.address! }, 'renewing', offer.address!), { action: 'ack' });
  const [routers] = await db.query<{ options: { data: string }[] }>('o', `select option_data as options from dhcpg.subnet4 where id = 1`);
  t.match(routers?.options, [{ name: 'routers', data: '192.0.2.254' }]);

  // Removing the pool strands the running lease: it is kept but not renewed.
  const shrunk = readConfigText(JSON.stringify({ Dhcp4: { subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.20 - 192.0.2.29' }] }] } }), 'x').dhcp4!;
  t.match(await applyConfig4(db, shrunk), { strandedLeases: 1 });
  t.match(await engine.request(c, { selector: offer.address! }, 'renewing', offer.address!), { action: 'nak', reason: 'not-in-pool' });
  t.match(await engine.discover(c, RELAYED), { action: 'offer', reason: 'new' });
});

t.test('dry run writes nothing; a failing apply writes nothing', async (t) => {
  const { db } = await testDatabase(t);
  const config = readConfigFile(FIXTURE).dhcp4!;
  t.match(await applyConfig4(db, config, { dryRun: true }), { dryRun: true, addedAddresses: 254 });
  const count = async () => (await db.query<{ n: number }>('n2', `select (select count(*) from dhcpg.lease4) + (select count(*) from dhcpg.subnet4) as n`))[0]?.n;
  t.equal(await count(), 0);
  // A reservation whose address is another reservation's, slipped past the
  // checks, fails on the database's unique index: nothing is kept.
  const broken = { ...config, reservations: [...config.reservations, { ...config.reservations[0]!, hwAddress: Buffer.from('aabbccddeeff', 'hex') }] };
  await t.rejects(applyConfig4(db, broken));
  t.equal(await count(), 0);
});

t.test('a 1M-address pool is prepared in chunks with progress', { timeout: 240_000 }, async (t) => {
  const { db } = await testDatabase(t);
  // Database rows only: no packet is ever sent to these addresses.
  const config = readConfigText(JSON.stringify({ Dhcp4: { subnet4: [{ id: 1, subnet: '198.16.0.0/12',
    pools: [{ pool: '198.16.0.0/12' }] }] } }), 'x').dhcp4!;
  const progress: number[] = [];
  const started = Date.now();
  const summary = await applyConfig4(db, config, { onProgress: (done) => progress.push(done) });
  t.equal(summary.addedAddresses, 2 ** 20 - 2);
  t.ok(progress.length >= 16, `${progress.length} progress reports`);
  t.comment(`1M-address pool applied in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const engine = leaseEngine4(db);
  t.match(await engine.discover(client(1), { selector: '198.20.0.1' }), { action: 'offer', address: '198.16.0.1' });
});
