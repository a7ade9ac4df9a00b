#ifndef DUNGEON_CZLIB_SHIM_H
#define DUNGEON_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit2 is a macro Swift cannot call: the function it expands to, with the
// version and structure size zlib checks.
static inline int dungeon_inflate_init_raw(z_stream *stream) {
    return inflateInit2_(stream, -15, ZLIB_VERSION, (int)sizeof(z_stream));
}

#endif
