'use strict';
// Unit tests of the provider, the Go-compatible encoding, the typed errors
// and the certificate. The conformance runner and a paid session through
// the real host exercise the plugin over the wire (host/internal/app,
// TestExampleNodePlugin*).

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const form = require('../src/form');
const provider = require('../src/provider');
const { PluginError, ERROR_TYPE_URL, INTERNAL_MESSAGE, statusCodec, toServiceError } = require('../src/errors');
const { serverCertificate } = require('../src/certs');
const { negotiate, logger, DEFAULT_PROTO_DIR } = require('../src/goplugin');

const { handlers } = provider;
const config = { payment_url: 'https://pay.example.com/pay', merchant_id: 'm-1001', secret_key: 'test-key' };
const session = {
  id: 'ps_1', mode: 'hmacnode', reference: 'REF0000000000000001', amount: '1999', currency: 'EUR',
  urls: { return: 'https://payhost.example/return/ps_1', notify: 'https://payhost.example/notify/hmacnode/ps_1' },
};

test('encode and sign as Go does (vectors from net/url and crypto/hmac)', () => {
  const v = new Map([
    ['a b', ['x+y', "é/~!*'()-_."]], ['reference', ['REF0000000000000001']], ['amount', ['1999']],
    ['z', ['', '2']], ['Émoji😀', ['日本']], ['B', ['&=%']],
  ]);
  assert.equal(form.encode(v),
    'B=%26%3D%25&a+b=x%2By&a+b=%C3%A9%2F~%21%2A%27%28%29-_.&amount=1999&reference=REF0000000000000001&z=&z=2&%C3%89moji%F0%9F%98%80=%E6%97%A5%E6%9C%AC');
  assert.equal(provider.sign('test-key', v), '08b4ab488ec70c3a0dfc8a6215b24afdbb1bd4ef170bb7bc1f0a63acc45e367d');
});

test('parse as Go url.ParseQuery does: keeps what it can, reports the first error', () => {
  const { values, error } = form.parse('a=1&b=%zz&c=3;d=4&e=x+y%2By&&f');
  assert.deepEqual([...values], [['a', ['1']], ['e', ['x y+y']], ['f', ['']]]);
  assert.equal(error, 'invalid escape in query');
  assert.equal(form.rawQuery('https://h/p?x=1&y=2#frag?z=3'), 'x=1&y=2');
  assert.equal(form.rawQuery(''), '');
});

test('Describe declares the mode, its reference format and its schema', () => {
  const d = handlers.Describe({});
  assert.equal(d.name, 'hmacnode');
  assert.equal(d.protocol_version, 1);
  assert.equal(d.modes[0].kind, 'redirect');
  assert.deepEqual(d.modes[0].config_schema.filter((f) => f.secret).map((f) => f.key), ['secret_key']);
});

test('ValidateConfig reports problems without echoing values, refuses an unknown mode', () => {
  assert.throws(() => handlers.ValidateConfig({ mode: 'other', config: {} }), (e) => e instanceof PluginError && e.code === 'invalid_request');
  assert.deepEqual(handlers.ValidateConfig({ mode: 'hmacnode', config }).problems, []);
  const bad = { payment_url: 'ftp://secret-looking-value', merchant_id: 'q7', extra: 'x' };
  const { problems } = handlers.ValidateConfig({ mode: 'hmacnode', config: bad });
  assert.deepEqual(problems.map((p) => p.key), ['extra', 'payment_url', 'merchant_id', 'secret_key']);
  for (const p of problems) assert.ok(!p.message.includes('secret-looking-value') && !p.message.includes('q7'), p.message);
});

// pay plays the provider: it checks the signed request of Begin and
// answers the signed parameters of its return and notification.
function pay(redirectURL, status) {
  const u = new URL(redirectURL);
  const q = form.parse(u.search.slice(1)).values;
  const sig = form.first(q, 'signature');
  q.delete('signature');
  assert.equal(sig, provider.sign(config.secret_key, q), 'the request signature');
  const ans = new Map([
    ['reference', [form.first(q, 'reference')]], ['amount', [form.first(q, 'amount')]], ['currency', [form.first(q, 'currency')]],
    ['status', [status]], ['transaction_id', ['tx-1']],
  ]);
  ans.set('signature', [provider.sign(config.secret_key, ans)]);
  return ans;
}

test('a payment: Begin signs the redirect, the signed notification settles, a tampered one does not', () => {
  const begin = handlers.Begin({ session, config });
  assert.match(begin.redirect_url, /^https:\/\/pay\.example\.com\/pay\?amount=1999&currency=EUR&merchant_id=m-1001&/);
  assert.ok(!begin.redirect_url.includes(config.secret_key));
  const cases = [
    { name: 'paid', status: 'paid', want: 'paid' },
    { name: 'refused', status: 'refused', want: 'refused' },
    { name: 'tampered amount', status: 'paid', tamper: (v) => v.set('amount', ['1']), code: 'invalid_signature' },
    { name: 'no signature', status: 'paid', tamper: (v) => v.delete('signature'), code: 'invalid_signature' },
    { name: 'upper-case signature', status: 'paid', tamper: (v) => v.set('signature', [v.get('signature')[0].toUpperCase()]), want: 'paid' },
  ];
  for (const c of cases) {
    const ans = pay(begin.redirect_url, c.status);
    if (c.tamper) c.tamper(ans);
    const req = {
      session, config,
      request: { method: 'POST', url: session.urls.notify, body: Buffer.from(form.encode(ans)), header: { 'content-type': { values: ['application/x-www-form-urlencoded; charset=utf-8'] } } },
    };
    if (c.code) {
      assert.throws(() => handlers.HandleNotification(req), (e) => e instanceof PluginError && e.code === c.code, c.name);
      continue;
    }
    const resp = handlers.HandleNotification(req);
    assert.equal(resp.outcome.status, c.want, c.name);
    assert.equal(resp.outcome.verified, true, c.name);
    assert.equal(resp.outcome.amount, '1999', c.name);
    assert.equal(resp.response.body.toString(), 'OK', c.name);
    assert.ok(!JSON.stringify(resp).includes(config.secret_key), c.name);
    // The same parameters in the browser's return query.
    const ret = handlers.HandleReturn({ session, config, request: { method: 'GET', url: session.urls.return + '?' + form.encode(ans), header: {} } });
    assert.equal(ret.outcome.status, c.want, c.name);
  }
});

test('a return without parameters carries no outcome; a replayed request or an unknown status settles nothing', () => {
  assert.deepEqual(handlers.HandleReturn({ session, config, request: { url: session.urls.return } }), {});
  const begin = handlers.Begin({ session, config });
  const replay = { session, config, request: { method: 'GET', url: session.urls.return + '?' + new URL(begin.redirect_url).search.slice(1) } };
  // Its signature verifies (the provider signs both ways with one key), but
  // it is no answer: it has no status.
  assert.throws(() => handlers.HandleReturn(replay), (e) => e instanceof PluginError && e.code === 'invalid_request');
  const unknown = pay(begin.redirect_url, 'maybe');
  assert.throws(() => handlers.HandleReturn({ session, config, request: { url: session.urls.return + '?' + form.encode(unknown) } }),
    (e) => e instanceof PluginError && e.code === 'invalid_request');
});

test('unsupported operations answer the typed unsupported error', () => {
  for (const m of ['IdentifyCallback', 'Refund', 'Capture', 'Cancel', 'Query']) {
    assert.throws(() => handlers[m]({ session, config }), (e) => e instanceof PluginError && e.code === 'unsupported', m);
  }
});

test('errors cross with their code in the status details; others as a generic internal error', () => {
  const codec = statusCodec(DEFAULT_PROTO_DIR);
  const typed = toServiceError(codec, new PluginError('invalid_signature', 'the signature does not verify'));
  assert.equal(typed.code, 7); // PERMISSION_DENIED
  const st = codec.decode(typed.metadata.get('grpc-status-details-bin')[0]);
  assert.equal(st.code, 7);
  assert.equal(st.details[0].type_url, ERROR_TYPE_URL);
  assert.deepEqual({ ...st.details[0].error }, { code: 'invalid_signature', message: 'the signature does not verify' });

  const untyped = toServiceError(codec, new Error('connect to https://user:test-key@provider failed'));
  assert.equal(untyped.code, 13); // INTERNAL
  assert.equal(untyped.details, INTERNAL_MESSAGE);
  const ust = codec.decode(untyped.metadata.get('grpc-status-details-bin')[0]);
  assert.deepEqual({ ...ust.details[0].error }, { code: 'internal', message: INTERNAL_MESSAGE });
  assert.throws(() => new PluginError('no_such_code', 'x'), TypeError);
});

test('the server certificate is what go-plugin verifies: self-signed, localhost, server and client auth', () => {
  const { der, certPem, keyPem } = serverCertificate();
  const cert = new crypto.X509Certificate(der);
  assert.equal(cert.toString(), new crypto.X509Certificate(certPem).toString());
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(keyPem)));
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.ca, true);
  assert.deepEqual([...cert.keyUsage].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(new Date(cert.validFrom) < new Date());
  const other = new crypto.X509Certificate(serverCertificate().der);
  assert.notEqual(other.serialNumber, cert.serialNumber);
});

test('version negotiation picks 1 from what the host offers', () => {
  assert.equal(negotiate('1'), 1);
  assert.equal(negotiate('1,2'), 1);
  assert.equal(negotiate(undefined), 1);
  assert.equal(negotiate('2,3'), 0);
});

test('log lines are hclog JSON whose timestamp go-plugin parses (six fractional digits)', () => {
  const lines = [];
  logger('hmacnode', { write: (s) => lines.push(s) }).warn('the host is gone; exiting', { host_pid: 42 });
  assert.equal(lines.length, 1);
  assert.ok(lines[0].endsWith('\n'));
  const e = JSON.parse(lines[0]);
  assert.equal(e['@level'], 'warn');
  assert.equal(e['@message'], 'the host is gone; exiting');
  assert.equal(e.host_pid, 42);
  assert.match(e['@timestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});
