/**
 * Which IP addresses a flow's HTTP request may reach (DESIGN.md "Security baseline").
 * Pure: the HTTP client asks this about every address DNS returned, before it connects.
 */
import { isIP } from 'node:net';

type Bytes = number[];

function ipv4Bytes(address: string): Bytes | null {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const bytes = parts.map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : null;
}

function ipv6Bytes(address: string): Bytes | null {
  let text = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not an address
  const tail: Bytes = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipv4Bytes(dotted[1]);
    if (!v4) return null;
    tail.push(...v4);
    text = `${text.slice(0, dotted.index)}:0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  const bytes = all.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** An address as bytes (4 or 16), or null when it is not an IP address. */
export function addressBytes(address: string): Bytes | null {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return ipv4Bytes(bare);
  if (family === 6) return ipv6Bytes(bare);
  return null;
}

interface Range {
  bytes: Bytes;
  prefix: number;
}

function parseRange(cidr: string): Range | null {
  const [address, prefixText] = cidr.trim().split('/');
  const bytes = addressBytes(address ?? '');
  if (!bytes) return null;
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || !/^\d*$/.test(prefixText ?? '')) return null;
  return { bytes, prefix };
}

function inRange(bytes: Bytes, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const take = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((range.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

const ranges = (kind: string, list: string[]) =>
  list.map((cidr) => ({ kind, range: parseRange(cidr) as Range }));

// IANA special-purpose registries (RFC 6890 and successors): nothing here is the public internet.
const special = [
  ...ranges('unspecified', ['0.0.0.0/8', '::/128']),
  ...ranges('loopback', ['127.0.0.0/8', '::1/128']),
  ...ranges('private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']),
  ...ranges('unique-local', ['fc00::/7', 'fec0::/10']),
  ...ranges('link-local', ['169.254.0.0/16', 'fe80::/10']),
  ...ranges('multicast', ['224.0.0.0/4', 'ff00::/8']),
  ...ranges('reserved', [
    '192.0.0.0/24',
    '192.0.2.0/24',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '240.0.0.0/4',
    '100::/64',
    '2001:db8::/32',
  ]),
];

// IPv6 forms that carry an IPv4 address: the IPv4 address decides.
const embedding = [
  { range: parseRange('::ffff:0:0/96') as Range, at: 12 }, // IPv4-mapped
  { range: parseRange('::/96') as Range, at: 12 }, // IPv4-compatible (deprecated)
  { range: parseRange('64:ff9b::/96') as Range, at: 12 }, // NAT64
  { range: parseRange('2002::/16') as Range, at: 2 }, // 6to4
];

/**
 * Why an address may not be reached (`loopback`, `private`, …), or null when it is a
 * public address. Anything that does not parse is refused as `invalid`.
 */
export function forbiddenKind(address: string): string | null {
  const bytes = addressBytes(address);
  if (!bytes) return 'invalid';
  const kind = special.find(({ range }) => inRange(bytes, range))?.kind;
  if (kind) return kind;
  const embedded = embedding.find(({ range }) => inRange(bytes, range));
  return embedded ? forbiddenKind(bytes.slice(embedded.at, embedded.at + 4).join('.')) : null;
}

/**
 * Whether an admin allow-listed this target: by host name (`crm.internal`, or
 * `*.internal` for its subdomains) or by an address range (`10.1.0.0/16`, `::1`).
 */
export function allowListed(hostname: string, address: string, allowList: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const bytes = addressBytes(address);
  return allowList.some((raw) => {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
    const range = entry.includes('/') || addressBytes(entry) ? parseRange(entry) : null;
    if (range) return bytes !== null && inRange(bytes, range);
    return entry === host;
  });
}

/** Why this connection is refused, or null when it may go ahead. */
export function refusal(hostname: string, address: string, allowList: readonly string[]): string | null {
  const kind = forbiddenKind(address);
  if (kind === null || allowListed(hostname, address, allowList)) return null;
  return `${hostname} resolves to ${address}, a ${kind} address; flows may reach it only if an administrator adds it to the httpAllowList setting`;
}
