"use strict";
// Preloaded into the jsii runtime's Node.js process (NODE_OPTIONS --require, set by
// workspace/provider_bindings.py): the Node.js half of the provider import shortcut.
//
// The provider package's lib/index.js is one `exports.<name> = require("./<module>");` line
// per resource (2,135 of them, 247 MB of JavaScript), so loading the assembly compiles all
// of them, 2-4 CPU-s of every synth, while the stacks use fewer than 100. This rewrites those
// lines, as the file is compiled, into getters that require the module on first use and then
// keep it as a plain property: the jsii kernel finds a type by walking the exports
// (`exports.ecsService.EcsService`), so it gets the same objects, later. A line of any other
// shape is left as it is (loaded eagerly, as without this file).
const Module = require("module");

const INDEX = /[\\/]@cdktf[\\/]provider-aws[\\/]lib[\\/]index\.js$/;
const EAGER_EXPORT = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w.-]+)"\);$/gm;

function lazyExports(source) {
  return source.replace(
    EAGER_EXPORT,
    (_, name, path) =>
      `Object.defineProperty(exports, "${name}", { enumerable: true, configurable: true, get() {` +
      ` const module = require("${path}");` +
      ` Object.defineProperty(exports, "${name}", { value: module, enumerable: true, writable: true, configurable: true });` +
      ` return module; } });`,
  );
}

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  return compile.call(this, INDEX.test(filename) ? lazyExports(content) : content, filename);
};
