/**
 * Shows one file on the page: pictures, audio and video inline from their presigned GET (video
 * seeks with Range requests), with the browser's media error in words when it cannot play;
 * any other type as a link the user opens themselves (no popup to be blocked).
 */
import type { FileRecord } from '../../contract/answers';
import type { FileService } from './file-service';

const MEDIA_ERRORS: Record<number, string> = {
  1: 'loading was aborted',
  2: 'a network error stopped it',
  3: 'the browser could not decode it',
  4: 'the browser cannot play this format',
};

/** Replaces the viewer's content with `file`, and moves focus there. */
export async function showFile(service: FileService, viewer: HTMLElement, file: FileRecord): Promise<void> {
  const { url, contentType } = await service.getDownloadUrl(file.id, { disposition: 'inline' });
  const heading = Object.assign(document.createElement('h2'), { textContent: file.name });
  const state = Object.assign(document.createElement('p'), { className: 'phase', textContent: 'Loading…' });
  const error = Object.assign(document.createElement('p'), { className: 'error' });
  error.setAttribute('role', 'alert');
  viewer.dataset.id = file.id;
  const kind = contentType.split('/')[0];
  let media: HTMLImageElement | HTMLMediaElement | undefined;
  if (kind === 'image') {
    media = Object.assign(document.createElement('img'), { alt: file.name });
    media.addEventListener('load', () => state.replaceChildren());
    media.addEventListener('error', () => {
      state.replaceChildren();
      error.textContent = 'This picture cannot be shown: the browser could not decode it.';
    });
  } else if (kind === 'video' || kind === 'audio') {
    const player = document.createElement(kind);
    player.controls = true;
    player.preload = 'metadata';
    player.setAttribute('aria-label', file.name);
    player.addEventListener('loadedmetadata', () => state.replaceChildren());
    player.addEventListener('error', () => {
      state.replaceChildren();
      const reason = player.error ? (MEDIA_ERRORS[player.error.code] ?? player.error.message) : 'unknown error';
      error.textContent = `This ${kind} cannot be played: ${reason}.`;
      viewer.dataset.mediaError = String(player.error?.code ?? 0);
    });
    media = player;
  } else {
    const link = Object.assign(document.createElement('a'), {
      href: url,
      target: '_blank',
      rel: 'noopener',
      textContent: `Open ${file.name}`,
    });
    state.replaceChildren('This type is not shown on the page: ', link, ` (${contentType}, opens in a new tab).`);
  }
  delete viewer.dataset.mediaError;
  viewer.replaceChildren(heading, state, error, ...(media ? [media] : []));
  if (media) media.src = url;
  viewer.focus();
}
