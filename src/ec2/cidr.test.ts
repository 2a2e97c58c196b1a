import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cidrContains, cidrsOverlap, formatCidr, formatIpv4, nthSubnet, parseCidr, parseIpv4, usableRange,
} from './cidr.js';

const cidr = (s: string) => {
  const c = parseCidr(s);
  assert.ok(c, s);
  return c;
};

test('addresses parse and format as dotted quads, rejecting what is not one', () => {
  assert.equal(parseIpv4('172.31.0.10'), 0xac1f000a);
  assert.equal(formatIpv4(0xac1f000a), '172.31.0.10');
  assert.equal(formatIpv4(parseIpv4('255.255.255.255')!), '255.255.255.255');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.0', '01.2.3.4', '1.2.3.x', '1..2.3', ' 1.2.3.4']) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
});

test('CIDR blocks parse only in canonical form', () => {
  assert.deepEqual(cidr('10.0.0.0/16'), { network: 0x0a000000, prefix: 16, last: 0x0a00ffff, size: 65536 });
  assert.equal(cidr('0.0.0.0/0').size, 2 ** 32);
  assert.equal(cidr('10.1.2.3/32').size, 1);
  for (const bad of ['10.0.0.1/16', '10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/016', 'x/8', '10.0.0.0/-1']) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
  assert.equal(formatCidr(cidr('172.31.16.0/20')), '172.31.16.0/20');
});

test('containment and overlap', () => {
  const vpc = cidr('10.0.0.0/16');
  assert.ok(cidrContains(vpc, cidr('10.0.255.0/24')));
  assert.ok(cidrContains(vpc, vpc));
  assert.ok(!cidrContains(vpc, cidr('10.1.0.0/24')));
  assert.ok(!cidrContains(cidr('10.0.1.0/24'), vpc));
  assert.ok(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.0.128/25')));
  assert.ok(cidrsOverlap(cidr('10.0.0.128/25'), cidr('10.0.0.0/16')));
  assert.ok(!cidrsOverlap(cidr('10.0.0.0/25'), cidr('10.0.0.128/25')));
});

test('the default VPC is carved into /20s the way AWS does', () => {
  const vpc = cidr('172.31.0.0/16');
  assert.deepEqual([0, 1, 2, 15].map((n) => formatCidr(nthSubnet(vpc, 20, n))),
    ['172.31.0.0/20', '172.31.16.0/20', '172.31.32.0/20', '172.31.240.0/20']);
});

test('five addresses of every subnet are reserved', () => {
  const r28 = usableRange(cidr('10.0.0.0/28'));
  assert.equal(r28.count, 11);
  assert.equal(formatIpv4(r28.first), '10.0.0.4');
  assert.equal(formatIpv4(r28.last), '10.0.0.14');
  assert.equal(usableRange(cidr('172.31.0.0/20')).count, 4091);
  assert.equal(usableRange(cidr('10.0.0.0/16')).count, 65531);
});
