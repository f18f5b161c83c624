import type { BrowserContext } from 'playwright-core';

/** WeChat's in-app browser on Android, as it names itself. */
export const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 12; V2031A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230202 MMWEBID/2593 MicroMessenger/8.0.33.2320(0x28002151) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

/**
 * Makes the context's pages behave as an in-app browser behind a proxy that refuses WebSocket upgrades:
 * every WebSocket fails (error, then close 1006) after it is made, and localStorage and sessionStorage
 * throw, as in some in-app browsers and private modes. The URLs of the WebSockets tried are kept in
 * `window.__wsAttempts`.
 */
export async function refuseWebSocketsAndStorage(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const attempts: string[] = [];
    (window as unknown as { __wsAttempts: string[] }).__wsAttempts = attempts;
    class RefusedWebSocket extends EventTarget {
      static readonly CONNECTING = 0;
      static readonly OPEN = 1;
      static readonly CLOSING = 2;
      static readonly CLOSED = 3;
      readyState = 0;
      binaryType = 'blob';
      onopen: ((e: Event) => void) | null = null;
      onerror: ((e: Event) => void) | null = null;
      onclose: ((e: CloseEvent) => void) | null = null;
      onmessage: ((e: MessageEvent) => void) | null = null;
      constructor(readonly url: string) {
        super();
        attempts.push(url);
        setTimeout(() => {
          this.readyState = 3;
          const error = new Event('error');
          this.onerror?.(error);
          this.dispatchEvent(error);
          const close = new CloseEvent('close', { code: 1006, wasClean: false });
          this.onclose?.(close);
          this.dispatchEvent(close);
        }, 20);
      }
      send(): void {
        throw new DOMException('not open', 'InvalidStateError');
      }
      close(): void {}
    }
    Object.defineProperty(window, 'WebSocket', { configurable: true, writable: true, value: RefusedWebSocket });
    const refuse = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
    Object.defineProperty(window, 'localStorage', { configurable: true, get: refuse });
    Object.defineProperty(window, 'sessionStorage', { configurable: true, get: refuse });
  });
}
