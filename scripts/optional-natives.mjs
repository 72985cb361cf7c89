// ssh2 tries two native add-ons inside try/catch (cpu-features, to order its ciphers, and its own
// sshcrypto.node) and falls back to Node's crypto when they are missing. A bundle cannot carry a
// compiled add-on for every machine, so both are replaced by a module that throws: the bundle
// always takes ssh2's pure JavaScript path, whatever is installed beside it.

/** The esbuild plugin that stands in for ssh2's optional native add-ons (esbuild filters are Go regular expressions: no flags). */
export const optionalNatives = {
  name: "optional-natives",
  setup(build) {
    build.onResolve({ filter: /^cpu-features$|\.node$/ }, (args) => ({
      path: args.path,
      namespace: "optional-native",
    }));
    build.onLoad({ filter: /.*/, namespace: "optional-native" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled: the pure JavaScript path is used`)});`,
      loader: "js",
    }));
  },
};
