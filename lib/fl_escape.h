/* fl_escape: text that came from a trace (a thread's comm, a path, a
 * command's arguments), made safe to print.
 *
 * Any process picks its own comm, and a trace comes from a host where any
 * user runs programs: its texts may hold terminal control sequences
 * (ESC [ 2 J clears the screen, ESC ] 0 ; ... BEL retitles the window).
 * Printed raw to a terminal, they act.  Escaped, every byte that is not
 * printable text shows as C would write it, and nothing is lost:
 *   - control characters (0x00-0x1f, 0x7f): \t \n \r, \e for ESC, else \xNN;
 *   - the C1 controls U+0080-U+009F: \xc2\xNN (their UTF-8 bytes);
 *   - bytes that are not valid UTF-8: \xNN;
 *   - the backslash itself: \\ (so that the escapes are unambiguous).
 * Valid UTF-8 text otherwise passes unchanged.
 */
#ifndef FL_ESCAPE_H
#define FL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether s holds anything to escape. */
bool fl_escape_needed(const char *s);

/* s escaped into buf (size bytes, always NUL-terminated; cut at a whole
 * escape when short).  Returns buf. */
char *fl_escape(const char *s, char *buf, size_t size);

/* s itself when nothing needs escaping; otherwise an escaped copy, which
 * *owned also holds for the caller to free() ("?" without memory). */
const char *fl_escape_str(const char *s, char **owned);

/* fputs() of s escaped. */
int fl_escape_fputs(const char *s, FILE *out);

#endif
