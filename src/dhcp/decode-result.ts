// What a packet decoder returns, DHCPv4 or DHCPv6: the packet, or why the
// datagram is dropped (a Prometheus label value) with a detail for the log.

export type Decoded<Packet, Reason extends string> =
  | { ok: true; packet: Packet }
  | { ok: false; reason: Reason; detail: string };

/** A drop; the caller's return type checks that the reason is one of its own. */
export const dropped = <Reason extends string>(reason: Reason, detail: string): { ok: false; reason: Reason; detail: string } => ({
  ok: false,
  reason,
  detail,
});
