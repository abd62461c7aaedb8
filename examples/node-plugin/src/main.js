'use strict';
// The hmacnode plugin's entry point: serve the provider over go-plugin.

const goplugin = require('./goplugin');
const provider = require('./provider');

/**
 * main serves the provider. Its one option, --proto-dir DIR, names the
 * directory holding payhost/plugin/v1/provider.proto when the plugin is
 * installed away from the repository (default: the repository's sdk/proto).
 * @param {string[]} argv
 */
function main(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--proto-dir' && i + 1 < argv.length) options.protoDir = argv[++i];
    else {
      process.stderr.write(`unknown argument ${argv[i]}; usage: payhost-plugin-${provider.NAME} [--proto-dir DIR]\n`);
      process.exit(2);
    }
  }
  goplugin.serve({ name: provider.NAME, handlers: provider.handlers }, options).catch((err) => {
    goplugin.logger(provider.NAME).error('cannot start', { error: String(err && err.stack ? err.stack : err) });
    process.exit(1);
  });
}

module.exports = { main };
