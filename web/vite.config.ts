import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    // Messages live in web/messages/{locale}.json; the language choice rides in a cookie so the
    // server renders the same language the browser will hydrate in.
    paraglideVitePlugin({ project: './project.inlang', outdir: './src/lib/paraglide', strategy: ['cookie', 'baseLocale'] }),
    sveltekit()
  ]
});
