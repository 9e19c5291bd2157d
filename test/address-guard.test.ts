import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowListed, forbiddenKind, refusal } from '../server/platform/address-guard.ts';

test('forbiddenKind classifies every special-purpose address, IPv4 and IPv6', () => {
  const cases: [string, string | null][] = [
    ['8.8.8.8', null],
    ['93.184.215.14', null],
    ['2606:4700:4700::1111', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', null],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ];
  for (const [address, kind] of cases) assert.equal(forbiddenKind(address), kind, address);
});

test('allowListed matches host names, wildcards, single addresses and CIDR ranges', () => {
  const cases: [string, string, string[], boolean][] = [
    ['localhost', '127.0.0.1', ['127.0.0.1'], true],
    ['localhost', '127.0.0.2', ['127.0.0.1'], false],
    ['localhost', '127.0.0.2', ['127.0.0.0/8'], true],
    ['crm.internal', '10.0.0.5', ['crm.internal'], true],
    ['CRM.Internal.', '10.0.0.5', ['crm.internal'], true],
    ['evil.internal', '10.0.0.5', ['crm.internal'], false],
    ['api.corp.example', '10.0.0.5', ['*.corp.example'], true],
    ['corp.example', '10.0.0.5', ['*.corp.example'], false],
    ['x', '::1', ['::1'], true],
    ['x', 'fd00::5', ['fd00::/8'], true],
    ['x', '10.0.0.5', ['fd00::/8'], false],
    ['x', '10.0.0.5', ['10.0.0.0/33'], false],
    ['x', '10.0.0.5', [], false],
  ];
  for (const [host, address, list, expected] of cases) {
    assert.equal(allowListed(host, address, list), expected, `${host} ${address} ${list.join(',')}`);
  }
});

test('refusal names the address, its kind and the setting that would allow it', () => {
  assert.equal(refusal('example.com', '93.184.215.14', []), null);
  assert.equal(refusal('localhost', '127.0.0.1', ['127.0.0.1']), null);
  const reason = refusal('localhost', '127.0.0.1', []);
  assert.match(String(reason), /localhost resolves to 127\.0\.0\.1, a loopback address.*httpAllowList/);
});
