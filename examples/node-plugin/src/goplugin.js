'use strict';
// The plugin's side of HashiCorp go-plugin's gRPC protocol, as the payhost
// host speaks it (docs/plugin-protocol.md): the magic cookie, the version
// negotiation, AutoMTLS, the handshake line on stdout, the provider, health
// and controller services, typed errors and the plugin's lifetime. Nothing
// here depends on the provider: copy this file and src/errors.js,
// src/certs.js and proto/ into another Node plugin unchanged.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { PluginError, statusCodec, toServiceError } = require('./errors');
const { serverCertificate } = require('./certs');

const MAGIC_COOKIE_KEY = 'PAYHOST_PLUGIN';
const MAGIC_COOKIE_VALUE = '5b1c2f0e-payhost-provider-v1';
/** CORE_PROTOCOL_VERSION is go-plugin's own protocol version (the handshake's first field). */
const CORE_PROTOCOL_VERSION = 1;
/** PROTOCOL_VERSIONS are the payhost contract versions this plugin speaks. */
const PROTOCOL_VERSIONS = [1];

/**
 * DEFAULT_PROTO_DIR holds the contract (sdk/proto): the plugin's own
 * sdk-proto/ when it has one (a copy, in a plugin that left the
 * repository), else sdk/proto read in place from the repository.
 */
const DEFAULT_PROTO_DIR = fs.existsSync(path.resolve(__dirname, '..', 'sdk-proto'))
  ? path.resolve(__dirname, '..', 'sdk-proto')
  : path.resolve(__dirname, '..', '..', '..', 'sdk', 'proto');
const LOCAL_PROTO_DIR = path.resolve(__dirname, '..', 'proto');

// proto-loader's options: field names as in the .proto files, int64 as
// decimal strings (no precision lost), enums as names, absent fields as
// their defaults.
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/**
 * logger writes hclog's JSON lines on stderr, which the host files under the
 * plugin's name. Never log a configuration value: it may be a secret.
 * @param {string} name
 * @param {{write(s: string): unknown}} [out]
 */
function logger(name, out = process.stderr) {
  const write = (level) => (message, fields = {}) => {
    out.write(JSON.stringify({ '@level': level, '@message': message, '@module': name, '@timestamp': timestamp(new Date()), ...fields }) + '\n');
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * timestamp is hclog's: go-plugin parses it with the layout
 * 2006-01-02T15:04:05.000000Z07:00 (exactly six fractional digits) and
 * files a line it cannot parse as a raw debug line, its level lost.
 * @param {Date} d
 */
function timestamp(d) {
  return d.toISOString().replace(/Z$/, '000Z');
}

/**
 * loadServices reads the service definitions: the provider from protoDir
 * (sdk/proto), health and controller from the plugin's proto/.
 * @param {string} protoDir
 */
function loadServices(protoDir) {
  const load = (file, dir) => grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [dir] }));
  return {
    provider: load('payhost/plugin/v1/provider.proto', protoDir).payhost.plugin.v1.Provider.service,
    health: load('health.proto', LOCAL_PROTO_DIR).grpc.health.v1.Health.service,
    controller: load('grpc_controller.proto', LOCAL_PROTO_DIR).plugin.GRPCController.service,
  };
}

/**
 * callSignal is an AbortSignal that fires when the call's deadline (the
 * host's grpc-timeout) passes or the host cancels the call: pass it to every
 * outgoing request (fetch(url, {signal})) so that it is abandoned with the
 * call; fetch then rejects with the signal's reason, a PluginError
 * 'timeout', which reaches the host as such. done() releases its timer.
 * @param {grpc.ServerUnaryCall<any, any>} call
 */
function callSignal(call) {
  const ac = new AbortController();
  const onCancel = () => ac.abort(new PluginError('timeout', 'the host cancelled the call'));
  call.on('cancelled', onCancel);
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  let timer;
  if (Number.isFinite(at)) {
    timer = setTimeout(() => ac.abort(new PluginError('timeout', 'the call passed its deadline')), Math.max(0, at - Date.now()));
  }
  return {
    signal: ac.signal,
    done() {
      clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
    },
  };
}

/**
 * unaryHandlers wraps the provider's handlers (request, {signal}) =>
 * response | Promise<response> into grpc-js handlers that answer typed
 * errors. An error that is not a PluginError crosses as internal with a
 * generic message; its text goes to the plugin's log only.
 */
function unaryHandlers(handlers, codec, log) {
  const out = {};
  for (const [method, fn] of Object.entries(handlers)) {
    out[method] = (call, callback) => {
      const sig = callSignal(call);
      Promise.resolve()
        .then(() => fn(call.request, { signal: sig.signal }))
        .then(
          (resp) => callback(null, resp),
          (err) => {
            if (!(err instanceof PluginError)) log.error('call failed', { method, error: String(err && err.stack ? err.stack : err) });
            callback(toServiceError(codec, err));
          },
        )
        .finally(() => sig.done());
    };
  }
  return out;
}

function bind(server, address, creds) {
  return new Promise((resolve, reject) => server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port))));
}

/**
 * listen binds the server on a Unix socket in a fresh temporary directory
 * (mode 0700, the socket 0600), or on Windows on 127.0.0.1 in the host's
 * port range, as go-plugin does.
 */
async function listen(server, creds) {
  if (process.platform === 'win32') {
    const min = Number(process.env.PLUGIN_MIN_PORT) || 10000;
    const max = Number(process.env.PLUGIN_MAX_PORT) || 25000;
    for (let port = min; port <= max; port++) {
      try {
        await bind(server, `127.0.0.1:${port}`, creds);
        return { network: 'tcp', address: `127.0.0.1:${port}`, cleanup() {} };
      } catch {
        // taken: try the next one
      }
    }
    throw new Error(`no free port in ${min}-${max}`);
  }
  const dir = fs.mkdtempSync(path.join(process.env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir(), 'plugin'));
  const sock = path.join(dir, 'plugin.sock');
  await bind(server, 'unix://' + sock, creds);
  fs.chmodSync(sock, 0o600);
  return { network: 'unix', address: sock, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * negotiate picks the highest contract version both sides speak, or 0.
 * @param {string|undefined} offered PLUGIN_PROTOCOL_VERSIONS
 */
function negotiate(offered) {
  if (!offered) return PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.length - 1]; // a host too old to list them speaks 1
  const theirs = offered.split(',').map((v) => Number.parseInt(v.trim(), 10));
  const common = PROTOCOL_VERSIONS.filter((v) => theirs.includes(v));
  return common.length > 0 ? Math.max(...common) : 0;
}

/**
 * serve runs the provider as a payhost plugin until the host stops it or
 * goes away. Run by hand (no magic cookie), it explains itself and exits 1.
 * @param {{name: string, handlers: object}} provider
 * @param {{protoDir?: string, hostPid?: number}} [options]
 */
async function serve(provider, options = {}) {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(`payhost-plugin-${provider.name} is a payhost plugin: the payhost host runs it from its plugins directory.\n` +
      'Check it with: payhost plugins test PATH (or payhost-plugin-check PATH).\n');
    process.exit(1);
  }
  const log = logger(provider.name);
  const version = negotiate(process.env.PLUGIN_PROTOCOL_VERSIONS);
  if (version === 0) {
    log.error('the host speaks none of the contract versions this plugin speaks', { host: process.env.PLUGIN_PROTOCOL_VERSIONS, plugin: PROTOCOL_VERSIONS.join(',') });
    process.exit(1);
  }
  const protoDir = options.protoDir || DEFAULT_PROTO_DIR;
  const services = loadServices(protoDir);
  const codec = statusCodec(protoDir);

  // AutoMTLS: trust exactly the host's certificate and require it; serve
  // with a fresh self-signed one, handed to the host in the handshake.
  let creds = grpc.ServerCredentials.createInsecure();
  let certField = '';
  const clientCert = process.env.PLUGIN_CLIENT_CERT;
  if (clientCert) {
    const own = serverCertificate();
    creds = grpc.ServerCredentials.createSsl(Buffer.from(clientCert), [{ private_key: Buffer.from(own.keyPem), cert_chain: Buffer.from(own.certPem) }], true);
    certField = own.der.toString('base64').replace(/=+$/, ''); // go-plugin reads RawStdEncoding
  } else {
    // As go-plugin's own server does; the payhost host always sets it.
    log.warn('PLUGIN_CLIENT_CERT is not set: serving without TLS');
  }

  const server = new grpc.Server();
  let listener = { cleanup() {} };
  const exit = (code) => {
    listener.cleanup();
    process.exit(code);
  };
  server.addService(services.provider, unaryHandlers(provider.handlers, codec, log));
  server.addService(services.health, {
    Check(call, callback) {
      const s = call.request.service;
      if (s === '' || s === 'plugin') callback(null, { status: 'SERVING' });
      else callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
    },
  });
  server.addService(services.controller, {
    Shutdown(_call, callback) {
      log.info('the host asked the plugin to stop');
      callback(null, {});
      setImmediate(() => server.tryShutdown(() => exit(0)));
      setTimeout(() => exit(0), 1000).unref(); // calls still running after a second are abandoned
    },
  });

  // The plugin's lifetime belongs to the host: a signal sent to the host's
  // process group must not stop it mid-call. stdin is not watched: go-plugin
  // hands the plugin the host's own stdin, often /dev/null, so its end
  // says nothing about the host.
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT']) process.on(sig, () => log.debug(`ignoring ${sig}: the host stops its plugins`));
  // The host gone (killed without stopping its plugins), the plugin is
  // handed to another parent: exit. The host's pid is taken before the
  // modules load, or by a wrapper before it execs Node, so a host that dies
  // during the start is noticed too.
  const hostPid = options.hostPid ?? process.ppid;
  const watchHost = () => {
    if (process.ppid !== hostPid) {
      log.warn('the host is gone; exiting', { host_pid: hostPid });
      exit(0);
    }
  };
  setInterval(watchHost, 250);

  listener = await listen(server, creds);
  process.on('exit', () => listener.cleanup());
  process.stdout.write(`${CORE_PROTOCOL_VERSION}|${version}|${listener.network}|${listener.address}|grpc|${certField}\n`);
  log.debug('plugin started', { network: listener.network, address: listener.address, protocol: version });
}

module.exports = { serve, negotiate, callSignal, logger, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, DEFAULT_PROTO_DIR };
