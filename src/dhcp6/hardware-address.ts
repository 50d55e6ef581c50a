// A DHCPv6 client's hardware address, for reservations by hw-address: DHCPv6
// identifies clients by DUID, and only some DUIDs hold the link-layer
// address; a first-hop relay may add it in an option of its own.

// RFC 8415, Section 11.1: the DUID types that hold a link-layer address
// (DUID-EN, type 2, and DUID-UUID, type 4 of RFC 6355, hold none).
export const DUID_LLT = 1; // Section 11.2: link-layer address plus time
export const DUID_LL = 3; // Section 11.4: link-layer address

export interface HardwareAddress {
  /** IANA hardware type (ARP numbering, 1 = Ethernet). */
  hwType: number;
  address: Buffer;
}

/**
 * The hardware type and link-layer address a DUID-LLT (type, hardware type,
 * 4-byte time, address) or DUID-LL (type, hardware type, address) holds;
 * undefined for other DUID types or one too short to hold an address.
 */
export const duidHardwareAddress = (duid: Buffer): HardwareAddress | undefined => {
  const type = duid.length >= 4 ? duid.readUInt16BE(0) : undefined;
  const addressAt = type === DUID_LLT ? 8 : type === DUID_LL ? 4 : undefined;
  if (addressAt === undefined || duid.length <= addressAt) return undefined;
  return { hwType: duid.readUInt16BE(2), address: duid.subarray(addressAt) };
};

/**
 * RFC 6939: the Client Link-Layer Address option a first-hop relay adds, a
 * 2-byte link-layer type then the address; undefined when too short to hold
 * one.
 */
export const linkLayerOptionAddress = (data: Buffer): HardwareAddress | undefined =>
  data.length > 2 ? { hwType: data.readUInt16BE(0), address: data.subarray(2) } : undefined;
