// The softphone's bundle: JsSIP (from node_modules, installed by `npm ci` from the committed package-lock.json)
// bundled by esbuild into one browser script that sets `window.JsSIP`, where Django serves static files from.
// The output is not committed (.gitignore); ./dev setup (and so .ci/run) builds it.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "switchboard", "static", "switchboard", "vendor", "jssip.min.js");
const version = JSON.parse(readFileSync(join(root, "node_modules", "jssip", "package.json"), "utf8")).version;
await build({
  entryPoints: [join(root, "node_modules", "jssip", "lib", "JsSIP.js")],
  bundle: true, minify: true, format: "iife", globalName: "JsSIP", platform: "browser", target: ["chrome110"],
  outfile, logLevel: "warning", legalComments: "inline",
});
console.log(`JsSIP ${version} -> ${outfile}`);
