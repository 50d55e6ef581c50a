// One front-end serving two directly attached LANs (`--interface lan0
// --interface lan1`) on a server whose only routes are its LANs' prefixes:
// every real client gets an address of its own LAN's subnet, and the
// front-end's replies leave by the interface each request came in on.
import t from 'tap';
import { CLIENT_KINDS, clientAvailable, type ClientKind } from '../helpers/dhcp-clients.ts';
import { Lab, macOf } from '../helpers/dhcpg-netns.ts';
import { exec, netnsAvailable } from '../helpers/netns.ts';

const OBTAIN_MS = 15_000;

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;
const kinds: ClientKind[] = [];
for (const kind of CLIENT_KINDS) if (await clientAvailable(kind)) kinds.push(kind);
const noClient = kinds.length > 0 ? false : 'no DHCP client is installed (see test/helpers/debian-packages.txt)';

const SUBNETS = [
  { id: 1, subnet: '192.0.2.0/24', interface: 'lan0', pools: [{ pool: '192.0.2.100 - 192.0.2.199' }], 'option-data': [{ name: 'routers', data: '192.0.2.1' }] },
  { id: 2, subnet: '198.51.100.0/24', interface: 'lan1', pools: [{ pool: '198.51.100.100 - 198.51.100.199' }], 'option-data': [{ name: 'routers', data: '198.51.100.1' }] },
];

t.test('one front-end, two LANs, each client on its own LAN\'s subnet', { skip: noNetns || noClient }, async (t) => {
  const lab = await Lab.create(t);
  await lab.apply({ 'valid-lifetime': 600, subnet4: SUBNETS });
  const lans = [await lab.addLan(), await lab.addLan()];
  const server = await lab.addLanServer(lans[0]!, '192.0.2.2/24');
  await lab.attachServer(server, lans[1]!, 'lan1', '198.51.100.2/24');
  const { stdout: routes } = await exec(server, ['ip', '-4', 'route', 'show', 'table', 'all']);
  t.notMatch(routes, /^default|255\.255\.255\.255 dev (lan0|lan1)/m, 'no default route and no broadcast route on the server');
  const frontend = await lab.startFrontend(server, { interfaces: ['lan0', 'lan1'] });

  // Every kind of client on each LAN, all at once.
  await Promise.all(kinds.flatMap((kind) => [0, 1].map(async (k) => {
    const client = await lab.addClient(lans[k]!, kind);
    const lease = await client.obtain({ timeoutMs: OBTAIN_MS });
    const prefix = k === 0 ? '192.0.2.' : '198.51.100.';
    t.ok(lease.address.startsWith(prefix), `${kind} on lan${k} got ${lease.address}, of ${SUBNETS[k]!.subnet}`);
    const [row] = await lab.leasesOf(await macOf(client.ns, client.ifname));
    t.match(row, { address: lease.address, state: 'bound' }, `${kind} on lan${k}: bound in leases4`);
  })));
  t.equal(frontend.logEntries().filter((entry) => entry.msg === 'reply not sent').length, 0, 'every reply was sent');
});
