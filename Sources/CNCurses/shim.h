#ifndef DUNGEON_CNCURSES_SHIM_H
#define DUNGEON_CNCURSES_SHIM_H

// SwiftPM drops the -D flags of ncursesw.pc, so ask for the wide-character API here.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>

// Macros and globals Swift cannot import, as functions.
static inline WINDOW *dungeon_stdscr(void) { return stdscr; }
static inline int dungeon_lines(void) { return LINES; }
static inline int dungeon_cols(void) { return COLS; }
static inline int dungeon_color_pair(short pair) { return (int)COLOR_PAIR(pair); }
static inline int dungeon_get_wch(wint_t *ch) { return wget_wch(stdscr, ch); }
static inline int dungeon_key_code_yes(void) { return KEY_CODE_YES; }
static inline int dungeon_key_resize(void) { return KEY_RESIZE; }
static inline int dungeon_key_mouse(void) { return KEY_MOUSE; }
static inline int dungeon_key_f(int n) { return KEY_F(n); }
static inline mmask_t dungeon_wheel_up(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t dungeon_wheel_down(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t dungeon_wheel_down(void) { return 0; }
#endif
static inline int dungeon_attr_bold(void) { return (int)A_BOLD; }
static inline int dungeon_attr_reverse(void) { return (int)A_REVERSE; }
static inline int dungeon_attr_dim(void) { return (int)A_DIM; }
static inline int dungeon_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int dungeon_add_wide(int y, int x, const wchar_t *text, int count, int attributes) {
    attrset(attributes);
    return mvaddnwstr(y, x, text, count);
}

#endif
