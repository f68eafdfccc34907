#include "fl_wrap.h"

#include <string.h>

size_t fl_wrap_next(const char **text, size_t width, const char **line)
{
	const char *s = *text;
	size_t n = 0;

	while (*s == ' ')
		s++;
	*line = s;
	while (s[n]) {
		size_t gap = strspn(s + n, " ");
		size_t word = strcspn(s + n + gap, " ");

		if (!word)		/* trailing spaces */
			break;
		if (n && n + gap + word > width)
			break;
		n += gap + word;
	}
	*text = s + n;
	return n;
}
