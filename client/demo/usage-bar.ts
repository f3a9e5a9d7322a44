/** The storage bar in the header: what the user holds against their plan's quota. */
import type { Usage } from '../../contract/answers';
import { formatSize } from './format';

/** Shows `usage`, or hides the bar when the API reports none. */
export function showUsage(container: HTMLElement, usage: Usage | undefined): void {
  container.hidden = !usage;
  if (!usage) return;
  const bar = container.querySelector('progress');
  const text = container.querySelector('#usage-text');
  const held = usage.usedBytes + usage.reservedBytes;
  const share = usage.quotaBytes > 0 ? Math.min(100, (held / usage.quotaBytes) * 100) : 100;
  if (bar) {
    bar.value = Math.round(share * 10) / 10;
    bar.setAttribute('aria-valuetext', `${Math.round(share)} % of the ${usage.plan} plan's storage used`);
  }
  container.classList.toggle('near', share >= 80 && share < 100);
  container.classList.toggle('full', share >= 100);
  container.dataset.usedBytes = String(usage.usedBytes);
  container.dataset.quotaBytes = String(usage.quotaBytes);
  if (text) {
    const reserved = usage.reservedBytes > 0 ? ` (${formatSize(usage.reservedBytes)} being uploaded)` : '';
    text.textContent = `${formatSize(held)} of ${formatSize(usage.quotaBytes)}${reserved} · ${usage.files} of ${usage.maxFiles} files · ${usage.plan} plan`;
  }
}
