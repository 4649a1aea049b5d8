/** The media kinds of WhatsApp messages, each with its own types and size limit. */
type MediaKind = 'audio' | 'document' | 'image' | 'sticker' | 'video';

/**
 * Meta's supported media types per kind (Cloud API "Supported media types").
 *
 * @example
 * SUPPORTED_MEDIA_TYPES['image/webp']; // 'sticker'
 */
export const SUPPORTED_MEDIA_TYPES: Readonly<Record<string, MediaKind>> = {
  'audio/aac': 'audio',
  'audio/amr': 'audio',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/ogg': 'audio',
  'text/plain': 'document',
  'application/pdf': 'document',
  'application/vnd.ms-excel': 'document',
  'application/msword': 'document',
  'application/vnd.ms-powerpoint': 'document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'document',
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'sticker',
  'video/3gpp': 'video',
  'video/mp4': 'video',
};

const MB = 1024 * 1024;
const KB = 1024;

/** Meta's maximum file sizes; stickers are 100 KB static and 500 KB animated. */
const SIZE_LIMIT_BYTES: Readonly<Record<Exclude<MediaKind, 'sticker'>, number>> = {
  audio: 16 * MB,
  document: 100 * MB,
  image: 5 * MB,
  video: 16 * MB,
};
const STICKER_LIMIT_BYTES = { static: 100 * KB, animated: 500 * KB };

/**
 * The kind of a media type, ignoring parameters such as `; codecs=opus`; undefined if unsupported.
 *
 * @example
 * mediaKindOf('audio/ogg; codecs=opus'); // 'audio'
 */
export function mediaKindOf(mimeType: string): MediaKind | undefined {
  const essence = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  return SUPPORTED_MEDIA_TYPES[essence];
}

/**
 * An animated WebP has a `VP8X` chunk whose flags byte has the animation bit (0x02) set.
 *
 * @example
 * isAnimatedWebp(readFileSync('dancing.webp')); // true
 */
function isAnimatedWebp(bytes: Uint8Array): boolean {
  const header = Buffer.from(bytes.subarray(0, 21));
  return (
    header.toString('latin1', 0, 4) === 'RIFF' &&
    header.toString('latin1', 8, 16) === 'WEBPVP8X' &&
    ((header[20] ?? 0) & 0x02) !== 0
  );
}

/**
 * The largest file Meta accepts for a kind (for stickers, depending on whether they are animated).
 *
 * @example
 * sizeLimitOf('image', bytes); // 5242880
 */
export function sizeLimitOf(kind: MediaKind, bytes: Uint8Array): number {
  if (kind === 'sticker')
    return isAnimatedWebp(bytes) ? STICKER_LIMIT_BYTES.animated : STICKER_LIMIT_BYTES.static;
  return SIZE_LIMIT_BYTES[kind];
}
