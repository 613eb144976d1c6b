/** Stylesheets imported for their side effect; esbuild bundles them (scripts/build-playground.mjs). */
declare module '*.css';
