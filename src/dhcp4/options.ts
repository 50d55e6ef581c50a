// The DHCPv4 option table: one entry per standard option, named the way ISC
// Kea's configuration names it and typed the way Kea's libdhcp++ standard
// option definitions type it. The same entry turns a Kea "option-data" value
// into wire bytes (encodeOptionData) and wire bytes back into that notation
// (formatOptionData, for logs); the machinery is shared with DHCPv6
// (src/dhcp/option-table.ts).
//
// Where this table differs from Kea it says so next to the entry: options
// whose payload is an encapsulated option space are carried as raw bytes,
// and the few options the server itself writes are not configurable.

import { list, one, optionTable, record, type OptionDef } from '../dhcp/option-table.ts';

export const OPTION_DEFINITIONS: readonly OptionDef[] = [
  one(1, 'subnet-mask', 'ipv4-address'), // RFC 2132, Section 3.3
  one(2, 'time-offset', 'int32'), // RFC 2132, Section 3.4
  list(3, 'routers', 'ipv4-address'), // RFC 2132, Section 3.5
  list(4, 'time-servers', 'ipv4-address'), // RFC 2132, Section 3.6
  list(5, 'name-servers', 'ipv4-address'), // RFC 2132, Section 3.7
  list(6, 'domain-name-servers', 'ipv4-address'), // RFC 2132, Section 3.8
  list(7, 'log-servers', 'ipv4-address'), // RFC 2132, Section 3.9
  list(8, 'cookie-servers', 'ipv4-address'), // RFC 2132, Section 3.10
  list(9, 'lpr-servers', 'ipv4-address'), // RFC 2132, Section 3.11
  list(10, 'impress-servers', 'ipv4-address'), // RFC 2132, Section 3.12
  list(11, 'resource-location-servers', 'ipv4-address'), // RFC 2132, Section 3.13
  one(12, 'host-name', 'string'), // RFC 2132, Section 3.14
  one(13, 'boot-size', 'uint16'), // RFC 2132, Section 3.15
  one(14, 'merit-dump', 'string'), // RFC 2132, Section 3.16
  one(15, 'domain-name', 'string'), // RFC 2132, Section 3.17
  one(16, 'swap-server', 'ipv4-address'), // RFC 2132, Section 3.18
  one(17, 'root-path', 'string'), // RFC 2132, Section 3.19
  one(18, 'extensions-path', 'string'), // RFC 2132, Section 3.20
  one(19, 'ip-forwarding', 'boolean'), // RFC 2132, Section 4.1
  one(20, 'non-local-source-routing', 'boolean'), // RFC 2132, Section 4.2
  list(21, 'policy-filter', 'ipv4-address'), // RFC 2132, Section 4.3 (address/mask pairs)
  one(22, 'max-dgram-reassembly', 'uint16'), // RFC 2132, Section 4.4
  one(23, 'default-ip-ttl', 'uint8'), // RFC 2132, Section 4.5
  one(24, 'path-mtu-aging-timeout', 'uint32'), // RFC 2132, Section 4.6
  list(25, 'path-mtu-plateau-table', 'uint16'), // RFC 2132, Section 4.7
  one(26, 'interface-mtu', 'uint16'), // RFC 2132, Section 5.1
  one(27, 'all-subnets-local', 'boolean'), // RFC 2132, Section 5.2
  one(28, 'broadcast-address', 'ipv4-address'), // RFC 2132, Section 5.3
  one(29, 'perform-mask-discovery', 'boolean'), // RFC 2132, Section 5.4
  one(30, 'mask-supplier', 'boolean'), // RFC 2132, Section 5.5
  one(31, 'router-discovery', 'boolean'), // RFC 2132, Section 5.6
  one(32, 'router-solicitation-address', 'ipv4-address'), // RFC 2132, Section 5.7
  list(33, 'static-routes', 'ipv4-address'), // RFC 2132, Section 5.8 (destination/router pairs)
  one(34, 'trailer-encapsulation', 'boolean'), // RFC 2132, Section 6.1
  one(35, 'arp-cache-timeout', 'uint32'), // RFC 2132, Section 6.2
  one(36, 'ieee802-3-encapsulation', 'boolean'), // RFC 2132, Section 6.3
  one(37, 'default-tcp-ttl', 'uint8'), // RFC 2132, Section 7.1
  one(38, 'tcp-keepalive-interval', 'uint32'), // RFC 2132, Section 7.2
  one(39, 'tcp-keepalive-garbage', 'boolean'), // RFC 2132, Section 7.3
  one(40, 'nis-domain', 'string'), // RFC 2132, Section 8.1
  list(41, 'nis-servers', 'ipv4-address'), // RFC 2132, Section 8.2
  list(42, 'ntp-servers', 'ipv4-address'), // RFC 2132, Section 8.3
  // RFC 2132, Section 8.4. Kea encapsulates a vendor option space here; we
  // carry the already encoded sub-options, written as hex.
  one(43, 'vendor-encapsulated-options', 'binary'),
  list(44, 'netbios-name-servers', 'ipv4-address'), // RFC 2132, Section 8.5
  list(45, 'netbios-dd-server', 'ipv4-address'), // RFC 2132, Section 8.6
  one(46, 'netbios-node-type', 'uint8'), // RFC 2132, Section 8.7
  one(47, 'netbios-scope', 'string'), // RFC 2132, Section 8.8
  list(48, 'font-servers', 'ipv4-address'), // RFC 2132, Section 8.9
  list(49, 'x-display-manager', 'ipv4-address'), // RFC 2132, Section 8.10
  one(50, 'dhcp-requested-address', 'ipv4-address'), // RFC 2132, Section 9.1
  one(51, 'dhcp-lease-time', 'uint32'), // RFC 2132, Section 9.2
  one(52, 'dhcp-option-overload', 'internal'), // RFC 2132, Section 9.3 (framing, handled by the codec)
  one(53, 'dhcp-message-type', 'internal'), // RFC 2132, Section 9.6
  one(54, 'dhcp-server-identifier', 'ipv4-address'), // RFC 2132, Section 9.7
  list(55, 'dhcp-parameter-request-list', 'uint8'), // RFC 2132, Section 9.8
  one(56, 'dhcp-message', 'string'), // RFC 2132, Section 9.9
  one(57, 'dhcp-max-message-size', 'uint16'), // RFC 2132, Section 9.10
  one(58, 'dhcp-renewal-time', 'uint32'), // RFC 2132, Section 9.11
  one(59, 'dhcp-rebinding-time', 'uint32'), // RFC 2132, Section 9.12
  one(60, 'vendor-class-identifier', 'string'), // RFC 2132, Section 9.13
  one(61, 'dhcp-client-identifier', 'binary'), // RFC 2132, Section 9.14
  one(62, 'nwip-domain-name', 'string'), // RFC 2242
  one(63, 'nwip-suboptions', 'binary'), // RFC 2242
  one(64, 'nisplus-domain-name', 'string'), // RFC 2132, Section 8.11
  list(65, 'nisplus-servers', 'ipv4-address'), // RFC 2132, Section 8.12
  one(66, 'tftp-server-name', 'string'), // RFC 2132, Section 9.4
  one(67, 'boot-file-name', 'string'), // RFC 2132, Section 9.5
  list(68, 'mobile-ip-home-agent', 'ipv4-address'), // RFC 2132, Section 8.13
  list(69, 'smtp-server', 'ipv4-address'), // RFC 2132, Section 8.14
  list(70, 'pop-server', 'ipv4-address'), // RFC 2132, Section 8.15
  list(71, 'nntp-server', 'ipv4-address'), // RFC 2132, Section 8.16
  list(72, 'www-server', 'ipv4-address'), // RFC 2132, Section 8.17
  list(73, 'finger-server', 'ipv4-address'), // RFC 2132, Section 8.18
  list(74, 'irc-server', 'ipv4-address'), // RFC 2132, Section 8.19
  list(75, 'streettalk-server', 'ipv4-address'), // RFC 2132, Section 8.20
  list(76, 'streettalk-directory-assistance-server', 'ipv4-address'), // RFC 2132, Section 8.21
  one(77, 'user-class', 'binary'), // RFC 3004, Section 4
  record(78, 'slp-directory-agent', ['boolean', 'ipv4-address'], true), // RFC 2610, Section 3
  record(79, 'slp-service-scope', ['boolean', 'string']), // RFC 2610, Section 4
  one(80, 'rapid-commit', 'empty'), // RFC 4039, Section 4 (Kea has no name for it)
  record(81, 'fqdn', ['uint8', 'uint8', 'uint8', 'fqdn']), // RFC 4702, Section 2
  one(82, 'dhcp-agent-options', 'internal'), // RFC 3046, Section 2.0 (the relay's, echoed back)
  list(85, 'nds-servers', 'ipv4-address'), // RFC 2241
  one(86, 'nds-tree-name', 'string'), // RFC 2241
  one(87, 'nds-context', 'string'), // RFC 2241
  list(88, 'bcms-controller-names', 'fqdn'), // RFC 4280, Section 4
  list(89, 'bcms-controller-address', 'ipv4-address'), // RFC 4280, Section 4
  one(90, 'authenticate', 'binary'), // RFC 3118, Section 2
  one(91, 'client-last-transaction-time', 'uint32'), // RFC 4388
  list(92, 'associated-ip', 'ipv4-address'), // RFC 4388
  list(93, 'client-system', 'uint16'), // RFC 4578, Section 2.1
  record(94, 'client-ndi', ['uint8', 'uint8', 'uint8']), // RFC 4578, Section 2.2
  record(97, 'uuid-guid', ['uint8', 'binary']), // RFC 4578, Section 2.3
  one(98, 'uap-servers', 'string'), // RFC 2485
  one(99, 'geoconf-civic', 'binary'), // RFC 4776
  one(100, 'pcode', 'string'), // RFC 4833
  one(101, 'tcode', 'string'), // RFC 4833
  one(108, 'v6-only-preferred', 'uint32'), // RFC 8925, Section 3.1
  list(112, 'netinfo-server-address', 'ipv4-address'), // RFC 3679
  one(113, 'netinfo-server-tag', 'string'), // RFC 3679
  one(114, 'v4-captive-portal', 'string'), // RFC 8910, Section 2.1
  one(116, 'auto-config', 'uint8'), // RFC 2563
  list(117, 'name-service-search', 'uint16'), // RFC 2937
  one(118, 'subnet-selection', 'ipv4-address'), // RFC 3011, Section 3
  list(119, 'domain-search', 'fqdn'), // RFC 3397, Section 2
  list(121, 'classless-static-route', 'classless-route'), // RFC 3442
  record(124, 'vivco-suboptions', ['uint32', 'binary']), // RFC 3925, Section 3
  list(136, 'pana-agent', 'ipv4-address'), // RFC 5192
  one(137, 'v4-lost', 'fqdn'), // RFC 5223
  list(138, 'capwap-ac-v4', 'ipv4-address'), // RFC 5417
  list(141, 'sip-ua-cs-domains', 'fqdn'), // RFC 6011
  record(146, 'rdnss-selection', ['uint8', 'ipv4-address', 'ipv4-address', 'fqdn'], true), // RFC 6731
  record(151, 'status-code', ['uint8', 'string']), // RFC 6926
  one(152, 'base-time', 'uint32'), // RFC 6926
  one(153, 'start-time-of-state', 'uint32'), // RFC 6926
  one(154, 'query-start-time', 'uint32'), // RFC 6926
  one(155, 'query-end-time', 'uint32'), // RFC 6926
  one(156, 'dhcp-state', 'uint8'), // RFC 6926
  one(157, 'data-source', 'uint8'), // RFC 6926
  one(213, 'v4-access-domain', 'fqdn'), // RFC 5986
];

// RFC 3397, Section 2 brought compression pointers to DHCPv4 names; they are
// followed wherever a DHCPv4 option name is read.
const DHCP4_OPTIONS = optionTable(OPTION_DEFINITIONS, { nameCompression: true });

export const optionByCode = DHCP4_OPTIONS.byCode;
export const optionByName = DHCP4_OPTIONS.byName;
/** Kea option-data text to the payload; see OptionTable.encode. Throws OptionDataError. */
export const encodeOptionData = DHCP4_OPTIONS.encode;
/** The payload in Kea notation, for logs; see OptionTable.format. */
export const formatOptionData = DHCP4_OPTIONS.format;
