/**
 * The URL guard of references and result videos under the private-network opt-in
 * (RIVYA_REFERENCE_URL_ALLOW_PRIVATE: `allowHttp` + `allowPrivateNetworks`), without a server:
 * loopback and private ranges are allowed, link-local and cloud metadata addresses never are, by
 * name, by literal, or by what a name resolves to. IPv4-compatible IPv6 (`::a.b.c.d`, which a URL
 * spells `[::a9fe:a9fe]`) is judged by the IPv4 address it carries.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openResultVideo, ResultUrlRejectedError } from '../../activities/result-download';
import {
  BlockedUrlError,
  checkReferenceUrl,
  isPublicAddress,
  referenceAgents,
  type ReferenceUrlPolicy,
} from '../../activities/reference/url-guard';
import { bareHostname } from '../../src/internal/net/ip-address';

const PRIVATE_OPT_IN: ReferenceUrlPolicy = { allowHttp: true, allowPrivateNetworks: true };

function refusalOf(url: string, policy: ReferenceUrlPolicy): string | undefined {
  try {
    checkReferenceUrl(new URL(url), policy);
    return undefined;
  } catch (err) {
    if (err instanceof BlockedUrlError) return err.code;
    throw err;
  }
}

type Lookup = (hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[]) => void) => void;

/** What the guarded agents' lookup answers for `hostname` (an IP literal resolves to itself, no DNS). */
function lookedUp(policy: ReferenceUrlPolicy, hostname: string): Promise<string> {
  const lookup = (referenceAgents(policy).http as unknown as { options: { lookup?: Lookup } }).options.lookup;
  if (!lookup) return Promise.resolve('(no guard)');
  return new Promise((resolve) =>
    lookup(hostname, { all: true }, (err, addresses) =>
      resolve(err ? `refused: ${(err as BlockedUrlError).code}` : (addresses as LookupAddress[]).map((a) => a.address).join(',')),
    ),
  );
}

describe('the private-network opt-in', () => {
  test.each([
    'http://127.0.0.1:8080/v.mp4',
    'http://localhost:8080/v.mp4',
    'http://10.1.2.3/v.mp4',
    'http://192.168.1.20/v.mp4',
    'http://[fd12:3456::1]/v.mp4',
  ])('allows loopback and private ranges: %s', (url) => {
    expect(refusalOf(url, PRIVATE_OPT_IN)).toBeUndefined();
  });

  test.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.170.2/v2/credentials',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::169.254.169.254]/',
    'http://100.100.100.200/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://METADATA/computeMetadata/v1/',
    'http://instance-data/latest/meta-data/',
  ])('never allows link-local or metadata targets: %s', (url) => {
    expect(refusalOf(url, PRIVATE_OPT_IN)).toBe('REFERENCE_URL_METADATA');
  });

  test('a name that resolves to a metadata or link-local address is refused at connect time; loopback and private pass', async () => {
    expect(await lookedUp(PRIVATE_OPT_IN, '169.254.169.254')).toBe('refused: REFERENCE_URL_METADATA');
    expect(await lookedUp(PRIVATE_OPT_IN, 'fd00:ec2::254')).toBe('refused: REFERENCE_URL_METADATA');
    expect(await lookedUp(PRIVATE_OPT_IN, '::a9fe:a9fe')).toBe('refused: REFERENCE_URL_METADATA');
    expect(await lookedUp(PRIVATE_OPT_IN, '127.0.0.1')).toBe('127.0.0.1');
    expect(await lookedUp(PRIVATE_OPT_IN, '10.0.0.7')).toBe('10.0.0.7');
  });

  test('a result URL on loopback that redirects to the metadata service is refused at the hop, nothing fetched there', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/video.mp4`;
      const opening = openResultVideo(url, PRIVATE_OPT_IN, new AbortController().signal);
      await expect(opening).rejects.toBeInstanceOf(ResultUrlRejectedError);
      await expect(opening).rejects.toThrow(/link-local or cloud metadata/);
    } finally {
      server.close();
    }
  });

  test('hosts the operator names in allowedHosts stay exempt (an explicit, exact decision)', () => {
    expect(refusalOf('http://metadata/x', { ...PRIVATE_OPT_IN, allowedHosts: ['metadata'] })).toBeUndefined();
  });
});

describe('IPv4-compatible IPv6 (::/96) is judged by its IPv4 address', () => {
  test.each([
    ['::a9fe:a9fe', false], // 169.254.169.254
    ['::7f00:1', false], // 127.0.0.1
    ['::a00:1', false], // 10.0.0.1
    ['::808:808', true], // 8.8.8.8
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  test('without the opt-in, a URL or a resolved address in that form is refused', async () => {
    expect(refusalOf('https://[::169.254.169.254]/', {})).toBe('REFERENCE_URL_NON_PUBLIC_ADDRESS');
    expect(await lookedUp({}, '::a9fe:a9fe')).toBe('refused: REFERENCE_URL_RESOLVES_NON_PUBLIC');
    expect(await lookedUp({}, '::7f00:1')).toBe('refused: REFERENCE_URL_RESOLVES_NON_PUBLIC');
  });

  test(':: and ::1 keep their own meaning', () => {
    expect(isPublicAddress('::')).toBe(false);
    expect(isPublicAddress('::1')).toBe(false);
  });
});

test('host names compare without a trailing dot (the same host to DNS)', () => {
  expect(bareHostname('Metadata.Google.Internal.')).toBe('metadata.google.internal');
  expect(refusalOf('https://localhost./x', {})).toBe('REFERENCE_URL_LOCAL_HOST');
});
