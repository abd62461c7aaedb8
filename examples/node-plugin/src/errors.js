'use strict';
// Typed errors: a failed call answers a gRPC status whose details (the
// grpc-status-details-bin trailer, a google.rpc.Status) hold one
// payhost.plugin.v1.Error packed in a google.protobuf.Any. The host reads
// the code from there: a status without it is an internal error, so a bad
// signature would become 502 plugin_error instead of a recorded
// invalid_signature (docs/plugin-protocol.md, section 5).

const path = require('node:path');
const protobuf = require('protobufjs');
const { Metadata, status: grpcStatus } = require('@grpc/grpc-js');

/** ERROR_TYPE_URL is the type URL of payhost.plugin.v1.Error in the status details. */
const ERROR_TYPE_URL = 'type.googleapis.com/payhost.plugin.v1.Error';

// GRPC_CODES maps each contract code to the closest gRPC code, for generic
// gRPC tooling; the host reads the contract code in the details.
const GRPC_CODES = {
  invalid_request: grpcStatus.INVALID_ARGUMENT,
  invalid_config: grpcStatus.FAILED_PRECONDITION,
  invalid_signature: grpcStatus.PERMISSION_DENIED,
  unsupported: grpcStatus.UNIMPLEMENTED,
  provider_rejected: grpcStatus.FAILED_PRECONDITION,
  provider_unavailable: grpcStatus.UNAVAILABLE,
  timeout: grpcStatus.DEADLINE_EXCEEDED,
  internal: grpcStatus.INTERNAL,
};

/** INTERNAL_MESSAGE is all the host learns of an error that is not a PluginError. */
const INTERNAL_MESSAGE = 'the plugin failed while handling the call';

/**
 * PluginError is an error the host receives with its contract code. Its
 * message is shown to operators: never put a secret or a configuration
 * value in it.
 */
class PluginError extends Error {
  /**
   * @param {keyof GRPC_CODES} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    if (!(code in GRPC_CODES)) throw new TypeError(`unknown error code ${code}`);
    this.name = 'PluginError';
    this.code = code;
  }
}

/**
 * statusCodec encodes the details of a status; protoDir holds
 * payhost/plugin/v1/provider.proto (sdk/proto).
 * @param {string} protoDir
 */
function statusCodec(protoDir) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : path.resolve(protoDir, target));
  root.loadSync(['payhost/plugin/v1/provider.proto', path.join(__dirname, '..', 'proto', 'status.proto')]);
  const ErrorMsg = root.lookupType('payhost.plugin.v1.Error');
  const Status = root.lookupType('google.rpc.Status');
  return {
    /** details is the grpc-status-details-bin value for a status of code with e. */
    details(code, e) {
      const value = ErrorMsg.encode({ code: e.code, message: e.message }).finish();
      return Buffer.from(Status.encode({ code, message: e.message, details: [{ type_url: ERROR_TYPE_URL, value }] }).finish());
    },
    /** decode reads a grpc-status-details-bin value back (for tests). */
    decode(buf) {
      const st = Status.decode(buf);
      return {
        code: st.code,
        message: st.message,
        details: st.details.map((d) => ({ type_url: d.type_url, error: ErrorMsg.decode(d.value) })),
      };
    },
  };
}

/**
 * toServiceError turns what a handler threw into the error grpc-js sends. An
 * error that is not a PluginError crosses as internal with a generic
 * message: its text may contain anything; log it on the plugin's side.
 * @param {ReturnType<typeof statusCodec>} codec
 * @param {unknown} err
 */
function toServiceError(codec, err) {
  const e = err instanceof PluginError ? err : new PluginError('internal', INTERNAL_MESSAGE);
  const code = GRPC_CODES[e.code];
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', codec.details(code, e));
  return { code, details: e.message, metadata };
}

module.exports = { PluginError, ERROR_TYPE_URL, GRPC_CODES, INTERNAL_MESSAGE, statusCodec, toServiceError };
