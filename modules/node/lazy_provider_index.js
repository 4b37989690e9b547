// Loaded into the jsii kernel's Node processes with `--require` (see modules/provider_load.py).
//
// The AWS provider's lib/index.js is ~2,200 lines of `exports.s3Bucket = require("./s3-bucket");`: requiring it
// compiles every resource module (~1.6 s and ~400 MB), although a landing zone uses a few dozen. This hook
// compiles that one file with each such line turned into a getter that requires its module on first access and
// then replaces itself with the plain value. The jsii kernel reaches a class as
// `closure.s3Bucket.S3Bucket` (its findSymbol walks properties), so it sees the same objects, only later.
// Any other line, and any other file, is left as it is; a file without such lines is compiled unchanged.
"use strict";
const fs = require("fs");
const Module = require("module");

const INDEX = /[\\/]@cdktf[\\/]provider-aws[\\/](?:[^\\/]+[\\/])*lib[\\/]index\.js$/;
const EXPORT = /^exports\.([A-Za-z_$][\w$]*) = require\(("\.\/[^"\\]+")\);$/;
const HELPER =
  "function __mlopsTfLazy(name, path) {" +
  " Object.defineProperty(exports, name, { configurable: true, enumerable: true, get() {" +
  " const value = require(path);" +
  " Object.defineProperty(exports, name, { value, writable: true, configurable: true, enumerable: true });" +
  " return value; } }); }";

function lazyIndex(source) {
  let count = 0;
  const lines = source.split("\n").map((line) => {
    const match = EXPORT.exec(line);
    if (match === null) return line;
    count += 1;
    return `__mlopsTfLazy(${JSON.stringify(match[1])}, ${match[2]});`;
  });
  // The helper goes on the last line, so line numbers in stack traces stay those of the file.
  return count === 0 ? null : `${lines.join("\n")}\n${HELPER}\n`;
}

const compileJs = Module._extensions[".js"];
Module._extensions[".js"] = function (module, filename) {
  if (INDEX.test(filename)) {
    const lazy = lazyIndex(fs.readFileSync(filename, "utf8"));
    if (lazy !== null) {
      module._compile(lazy, filename);
      return;
    }
  }
  compileJs(module, filename);
};

module.exports = { lazyIndex };
