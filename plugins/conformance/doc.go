// Package conformance holds no code: its test builds every built-in plugin
// binary and runs the SDK's conformance runner (sdk/plugincheck) on it, the
// same checks a third-party author runs with payhost-plugin-check.
package conformance
