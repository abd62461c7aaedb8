'use strict';
// The hmacnode provider: a redirect provider whose payment page receives an
// HMAC-SHA-256 signed request and answers with a signed return and
// notification. The signing rules are those of examples/go-plugin (hmacpay),
// so its simulator drives this plugin too. Replace them with your
// provider's, as its documentation states them, and test them against its
// published vectors.
//
// Each handler takes the request message as @grpc/proto-loader decodes it
// (field names as in sdk/proto/payhost/plugin/v1/provider.proto, int64 as
// decimal strings, bytes as Buffers) and returns the response message or
// throws a PluginError. It keeps no state: every call carries the site's
// configuration and the session.

const crypto = require('node:crypto');
const { PluginError } = require('./errors');
const form = require('./form');

/** NAME is the plugin's name: the executable is payhost-plugin-NAME. */
const NAME = 'hmacnode';
/** MODE_ID is the payment mode this plugin offers; sites enable it by this id. */
const MODE_ID = 'hmacnode';
/** PROTOCOL_VERSION is the contract version this plugin speaks. */
const PROTOCOL_VERSION = 1;

// SCHEMA is the configuration a site gives for the mode. The host applies it
// (required keys, types, bounds, defaults) before a configuration reaches the
// plugin; ValidateConfig applies it again for hosts and checkers that do not.
// A secret is never logged, shown or echoed.
const SCHEMA = [
  { key: 'payment_url', label: 'Payment page URL', type: 'url', required: true, help: "the provider's payment page" },
  { key: 'merchant_id', label: 'Merchant id', type: 'string', required: true, min: 3, max: 32 },
  { key: 'secret_key', label: 'Signing key', type: 'string', required: true, secret: true },
];

const STATUSES = { paid: 'paid', refused: 'refused', cancelled: 'cancelled' };

/**
 * sign is the provider's signature: hex HMAC-SHA-256, keyed by the secret,
 * of the parameters (without signature) encoded as Go's url.Values.Encode.
 * @param {string} key
 * @param {Map<string, string[]>} values
 */
function sign(key, values) {
  return crypto.createHmac('sha256', key).update(form.encode(values)).digest('hex');
}

/**
 * equalHex compares two hex signatures case-insensitively in constant time
 * (for a given length: the length of an HMAC-SHA-256 is public).
 */
function equalHex(a, b) {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * applySchema checks a configuration against SCHEMA the way the SDK's
 * payment.ApplySchema does, for the types this schema uses, and returns the
 * problems. A problem never quotes the value: it may be a secret.
 * @param {Object<string, string>} config
 */
function applySchema(config) {
  const problems = [];
  const known = new Set(SCHEMA.map((f) => f.key));
  for (const key of Object.keys(config).sort()) {
    if (!known.has(key)) problems.push({ key, message: 'unknown key' });
  }
  for (const f of SCHEMA) {
    const v = config[f.key] ?? '';
    if (v === '') {
      if (f.required) problems.push({ key: f.key, message: 'required' });
      continue;
    }
    const msg = checkValue(f, v);
    if (msg) problems.push({ key: f.key, message: msg });
  }
  return problems;
}

function checkValue(f, v) {
  switch (f.type) {
    case 'url': {
      let u;
      try {
        u = new URL(v);
      } catch {
        return 'must be an absolute http or https URL';
      }
      if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.host === '') return 'must be an absolute http or https URL';
      return '';
    }
    case 'string': {
      const n = [...v].length;
      if (f.min !== undefined && n < f.min) return `must be at least ${f.min} characters`;
      if (f.max !== undefined && n > f.max) return `must be at most ${f.max} characters`;
      return '';
    }
    default:
      return `the plugin declares the unknown type "${f.type}"`;
  }
}

/** Describe names the plugin and lists its mode; it depends on no configuration. */
function describe() {
  return {
    name: NAME,
    version: '0.1.0',
    protocol_version: PROTOCOL_VERSION,
    modes: [{
      id: MODE_ID,
      label: 'Hmacnode',
      kind: 'redirect',
      currencies: ['EUR'],
      capabilities: {},
      reference: { kind: 'random', charset: 'upper_alphanumeric', length: 20 },
      config_schema: SCHEMA,
    }],
  };
}

/**
 * ValidateConfig refuses an unknown mode with invalid_request and otherwise
 * returns every problem of the configuration (not an error).
 */
function validateConfig(req) {
  if (req.mode !== MODE_ID) throw new PluginError('invalid_request', 'unknown mode');
  return { problems: applySchema(req.config || {}) };
}

// config returns the configuration of a call, refusing one the host should
// never have sent (the host validated it when the site was loaded).
function config(req) {
  const cfg = req.config || {};
  if (applySchema(cfg).length > 0) throw new PluginError('invalid_config', 'the configuration of the mode is invalid');
  return cfg;
}

/**
 * Begin answers a redirect to the provider's page with a signed request.
 * Nothing here leaves the machine; a plugin calling its provider's API would
 * pass an AbortSignal that fires at the call's deadline (see goplugin.js,
 * callSignal) to every fetch.
 */
function begin(req) {
  const s = req.session || {};
  const cfg = config(req);
  const urls = s.urls || {};
  const q = new Map([
    ['merchant_id', [cfg.merchant_id]],
    ['reference', [s.reference || '']],
    ['amount', [String(s.amount ?? '0')]],
    ['currency', [s.currency || '']],
    ['return_url', [urls.return || '']],
    ['notify_url', [urls.notify || '']],
  ]);
  q.set('signature', [sign(cfg.secret_key, q)]);
  return { redirect_url: cfg.payment_url + '?' + form.encode(q) };
}

/**
 * HandleReturn verifies the browser's return: a return without parameters
 * carries no outcome; a bad signature is an invalid_signature error.
 */
function handleReturn(req) {
  const { values, error } = form.requestForm(req.request || {});
  if (error || values.size === 0) return {};
  return verify(req, values);
}

/**
 * HandleNotification verifies the provider's server-to-server message, which
 * is authoritative, and says what the host answers the provider.
 */
function handleNotification(req) {
  const { values, error } = form.requestForm(req.request || {});
  if (error) throw new PluginError('invalid_request', 'unreadable notification');
  const resp = verify(req, values);
  resp.response = { status_code: 200, body: Buffer.from('OK') };
  return resp;
}

// verify checks the signature in constant time and reads the outcome; the
// host then checks amount, currency and reference against the session.
function verify(req, values) {
  const cfg = config(req);
  const got = form.first(values, 'signature');
  values.delete('signature');
  if (got === '' || !equalHex(got, sign(cfg.secret_key, values))) {
    throw new PluginError('invalid_signature', 'the signature does not verify');
  }
  const amount = form.first(values, 'amount');
  if (!/^[+-]?[0-9]+$/.test(amount) || BigInt(amount) > 2n ** 63n - 1n || BigInt(amount) < -(2n ** 63n)) {
    throw new PluginError('invalid_request', 'the amount is not an integer');
  }
  // The request Begin signs carries no status: replayed as an answer, its
  // signature verifies (one key signs both ways), so a known status is
  // what makes it an answer.
  const status = form.first(values, 'status');
  if (!Object.hasOwn(STATUSES, status)) throw new PluginError('invalid_request', 'the answer has no known status');
  const tx = form.first(values, 'transaction_id');
  return {
    outcome: {
      status: STATUSES[status],
      verified: true,
      amount: BigInt(amount).toString(),
      currency: form.first(values, 'currency'),
      reference: form.first(values, 'reference'),
      provider_transaction_id: tx,
      payload: { status, transaction_id: tx },
    },
  };
}

/** unsupported answers an operation this provider does not offer (its capability is false). */
function unsupported(what) {
  return () => {
    throw new PluginError('unsupported', `${what} is not supported by ${NAME}`);
  };
}

/** handlers are the payhost.plugin.v1.Provider methods, by name. */
const handlers = {
  Describe: describe,
  ValidateConfig: validateConfig,
  Begin: begin,
  IdentifyCallback: unsupported('identifying a callback'),
  HandleReturn: handleReturn,
  HandleNotification: handleNotification,
  Refund: unsupported('refund'),
  Capture: unsupported('capture'),
  Cancel: unsupported('cancel'),
  Query: unsupported('query'),
};

module.exports = { NAME, MODE_ID, SCHEMA, handlers, sign, equalHex, applySchema };
