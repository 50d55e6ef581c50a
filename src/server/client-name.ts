// The host name a client gives (option 12, else the name in option 81), as
// the lease engine stores it.
//
// A name option that gives no usable name (a NUL inside it, bytes that are
// not UTF-8, a broken FQDN option) is ignored and the client is served as if
// it had sent none, the way servers treat host names they cannot use (Kea
// sanitises them): a name with a NUL in it is no name, and the rest of the
// message is as good as any. Dropping the whole message would deny the
// client service over a label it only offered, and passing the bytes on is
// not possible: PostgreSQL's text (and jsonb, which carries the batch)
// refuses NUL outright, so one such message failed its whole batch.
import type { NameProblem } from '../dhcp/client-name.ts';
import { clientFqdn, hostName, type Dhcp4Packet } from '../dhcp4/packet.ts';

/** A name option that was left out, and why: counted and logged by the caller. */
export interface IgnoredName {
  option: 'host-name' | 'client-fqdn';
  problem: NameProblem;
}

export interface ClientNameResult {
  hostname?: string;
  /** Present only when an option was left out (the usual message allocates nothing). */
  ignored?: IgnoredName[];
}

export const clientName = (p: Dhcp4Packet): ClientNameResult => {
  const fromOption12 = hostName(p);
  if (fromOption12 && 'name' in fromOption12) return { hostname: fromOption12.name };
  const fromOption81 = clientFqdn(p);
  const ignored: IgnoredName[] = [];
  if (fromOption12) ignored.push({ option: 'host-name', problem: fromOption12.problem });
  if (fromOption81 && 'problem' in fromOption81) ignored.push({ option: 'client-fqdn', problem: fromOption81.problem });
  const hostname = fromOption81 && 'name' in fromOption81 ? fromOption81.name : undefined;
  return ignored.length ? { hostname, ignored } : { hostname };
};
