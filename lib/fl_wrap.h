/* Text cut into lines at spaces: the one rule for help text (`faultline
 * help causes`, `help knobs`) and the TUI's fault detail. */
#ifndef FL_WRAP_H
#define FL_WRAP_H

#include <stddef.h>

/* The next line of *text at most width characters wide: leading spaces
 * skipped, as many whole words as fit, separated as in the text.  A word
 * longer than width is a line of its own, whole (it is never cut: a path
 * or a function name is read, not wrapped).  Sets *line to the line's
 * first character, advances *text past it and returns its length; 0 when
 * nothing is left. */
size_t fl_wrap_next(const char **text, size_t width, const char **line);

#endif
