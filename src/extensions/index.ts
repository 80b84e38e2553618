export {
  acceptDeflateOffer,
  acceptDeflateResponse,
  type DeflateAcceptance,
  deflateOffer,
  deflateSetting,
  type NegotiatedDeflate,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
  type WindowBits,
} from './permessage-deflate.js';
export { DEFAULT_ZLIB_CONCURRENCY, ZlibLimiter, zlibLimiter } from './zlib-limiter.js';
