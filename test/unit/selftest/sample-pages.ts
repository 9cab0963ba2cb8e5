// Real pages written by PostgreSQL 15 with data checksums on (gzip + base64): a heap page of a 3-row table
// (id int primary key, x text) and the single leaf page of its primary key, both at block 0 / 1 of their files.
import { gunzipSync } from 'node:zlib';

const HEAP =
  'H4sIAAAAAAAAA+3KMQrCQBRF0TsTQS3SW2kKF5IiWxmwSkCCti4jIDJbcRP2LkWDU4mV9T3N57/3AC7XU7htYc+0o1k074hnbrnnlil3SJIkSZIkSZIkSZKk/zzi5y7LXxGJqw0VUI+HY0q/d7Hs5ng9nofvPpQ+zP3QpxfS+j1eACAAAA==';
const LEAF =
  'H4sIAAAAAAAAA+3LMRWAIAAA0QMMQAMYrGA1yzhQhQhGIIIJfL7nxODqdn+74QD6sYd7g5VerrJUgNEqZ6v09qYkSZIkSZIkSZIkSfpZIpOmjmTi1IFM+PzgAfjM5ogAIAAA';

/** Block 0 of the heap: three live tuples. */
export const heapPage = (): Buffer => gunzipSync(Buffer.from(HEAP, 'base64'));
/** Block 1 of the index (block 0 is its metapage): the root, a rightmost leaf with three keys. */
export const leafPage = (): Buffer => gunzipSync(Buffer.from(LEAF, 'base64'));
