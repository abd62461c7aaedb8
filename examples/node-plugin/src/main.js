'use strict';
// The hmacnode plugin's entry point: serve the provider over go-plugin.

const goplugin = require('./goplugin');
const provider = require('./provider');

const USAGE = `usage: payhost-plugin-${provider.NAME} [--proto-dir DIR] [--host-pid PID]`;

/**
 * main serves the provider. The host runs it without arguments; a wrapper
 * (scripts/install.sh) gives --proto-dir, the directory holding
 * payhost/plugin/v1/provider.proto when the plugin is installed away from
 * the repository (default: the repository's sdk/proto), and --host-pid, its
 * own parent, the host (default: hostPid, this process's parent at start).
 * @param {string[]} argv
 * @param {number} hostPid
 */
function main(argv, hostPid) {
  const options = { hostPid };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--proto-dir' && i + 1 < argv.length) options.protoDir = argv[++i];
    else if (argv[i] === '--host-pid' && /^[0-9]+$/.test(argv[i + 1] || '')) options.hostPid = Number(argv[++i]);
    else {
      process.stderr.write(`unknown argument ${argv[i]}; ${USAGE}\n`);
      process.exit(2);
    }
  }
  goplugin.serve({ name: provider.NAME, handlers: provider.handlers }, options).catch((err) => {
    goplugin.logger(provider.NAME).error('cannot start', { error: String(err && err.stack ? err.stack : err) });
    process.exit(1);
  });
}

module.exports = { main };
