'use strict';
// The plugin over the wire, as go-plugin's client sees it: started with the
// host's environment, the handshake line read, then mutual TLS with the
// certificate it printed. The conformance runner (payhost plugins test)
// checks much more; this keeps `npm test` meaningful without Go.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const { serverCertificate } = require('../src/certs');
const { statusCodec } = require('../src/errors');
const { DEFAULT_PROTO_DIR } = require('../src/goplugin');

const ENTRY = path.join(__dirname, '..', 'payhost-plugin-hmacnode');
const load = (file, dir) => grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: true, longs: String, enums: String, defaults: true, includeDirs: [dir] }));

// start runs the plugin as the host does and resolves with its handshake.
function start(env) {
  const child = spawn(ENTRY, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const line = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`the plugin exited (${code}) before its handshake`)));
  });
  line.catch(() => {}); // a test that expects no handshake does not await it
  return { child, exited, line };
}

function unary(client, method, req) {
  return new Promise((resolve) => client[method](req, { deadline: Date.now() + 5000 }, (err, resp) => resolve({ err, resp })));
}

test('handshake, mutual TLS, typed errors and the controller, over the wire', async (t) => {
  const host = serverCertificate(); // the host's client certificate, as go-plugin makes one
  const { child, exited, line } = start({ PAYHOST_PLUGIN: '5b1c2f0e-payhost-provider-v1', PLUGIN_PROTOCOL_VERSIONS: '1', PLUGIN_CLIENT_CERT: host.certPem });
  t.after(() => child.kill('SIGKILL'));
  const fields = (await line).split('|');
  assert.equal(fields.length, 6);
  const [core, version, network, address, protocol, cert] = fields;
  assert.deepEqual([core, version, network, protocol], ['1', '1', 'unix', 'grpc']);
  assert.doesNotMatch(cert, /[=\n]/, 'DER in base64 without padding');
  const der = Buffer.from(cert, 'base64');
  const serverPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;

  const target = 'unix://' + address;
  const options = { 'grpc.ssl_target_name_override': 'localhost' };
  const mtls = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(host.keyPem), Buffer.from(host.certPem));
  const Provider = load('payhost/plugin/v1/provider.proto', DEFAULT_PROTO_DIR).payhost.plugin.v1.Provider;
  const Health = load('health.proto', path.join(__dirname, '..', 'proto')).grpc.health.v1.Health;
  const Controller = load('grpc_controller.proto', path.join(__dirname, '..', 'proto')).plugin.GRPCController;
  const provider = new Provider(target, mtls, options);
  t.after(() => provider.close());

  const health = await unary(new Health(target, mtls, options), 'Check', { service: 'plugin' });
  assert.ifError(health.err);
  assert.equal(health.resp.status, 'SERVING');

  const describe = await unary(provider, 'Describe', {});
  assert.ifError(describe.err);
  assert.equal(describe.resp.name, 'hmacnode');

  // Without the host's certificate the plugin refuses the connection.
  const anonymous = new Provider(target, grpc.credentials.createSsl(Buffer.from(serverPem)), options);
  const refused = await unary(anonymous, 'Describe', {});
  anonymous.close();
  assert.ok(refused.err, 'a client without the host certificate was served');

  // A bad signature arrives as invalid_signature in the status details.
  const codec = statusCodec(DEFAULT_PROTO_DIR);
  const config = { payment_url: 'https://pay.example.com/pay', merchant_id: 'm-1001', secret_key: 'wire-secret' };
  const forged = await unary(provider, 'HandleNotification', {
    session: { id: 'ps_1', mode: 'hmacnode', amount: '100', currency: 'EUR' }, config,
    request: { method: 'POST', url: 'https://payhost.example/notify/hmacnode/ps_1', header: { 'Content-Type': { values: ['application/x-www-form-urlencoded'] } }, body: Buffer.from('status=paid&amount=100&signature=00') },
  });
  assert.equal(forged.err.code, grpc.status.PERMISSION_DENIED);
  const st = codec.decode(forged.err.metadata.get('grpc-status-details-bin')[0]);
  assert.equal(st.details[0].type_url, 'type.googleapis.com/payhost.plugin.v1.Error');
  assert.equal(st.details[0].error.code, 'invalid_signature');
  assert.ok(!JSON.stringify(forged.err).includes('wire-secret'));

  const refund = await unary(provider, 'Refund', { session: { id: 'ps_1' }, config });
  assert.equal(codec.decode(refund.err.metadata.get('grpc-status-details-bin')[0]).details[0].error.code, 'unsupported');

  // The controller's Shutdown: the plugin answers, then exits.
  const shutdown = await unary(new Controller(target, mtls, options), 'Shutdown', {});
  assert.ifError(shutdown.err);
  assert.equal(await exited, 0);
});

test('run by hand, the plugin explains itself and exits 1, printing nothing on stdout', async () => {
  const { child, exited } = start({});
  let out = '';
  let errOut = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (errOut += d));
  assert.equal(await exited, 1);
  assert.equal(out, '');
  assert.match(errOut, /payhost plugin/);
});
