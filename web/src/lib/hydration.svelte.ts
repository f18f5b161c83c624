import { onMount } from 'svelte';

/**
 * False on the server-rendered page until the component has mounted. A form submitted before then
 * would make the browser's own GET request and lose what was typed (a slow phone on hall Wi-Fi shows
 * the form well before the script has run), so submit buttons stay disabled until this is true; a
 * disabled default button also blocks submitting with Enter.
 */
export function hydration(): { readonly ready: boolean } {
  const state = $state({ ready: false });
  onMount(() => {
    state.ready = true;
  });
  return state;
}
