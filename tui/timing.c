/* timing: with FL_TUI_TIMING=FILE, each frame's cost appended to FILE, for
 * scripts/bench-tui:
 *   first MS        from the command's start to the first screen
 *   key NAME MS     from a key's arrival to the screen it asked for
 * A modal key (/, ?) logs its own first frame, then each key it reads. */
#include <stdio.h>
#include <time.h>

#include "tui.h"

double tui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void log_line(const struct tui_app *app, const char *what, const char *key, double t0)
{
	FILE *f;

	if (!app->timing_path)
		return;
	f = fopen(app->timing_path, "a");
	if (!f)
		return;
	if (key)
		fprintf(f, "%s %s %.3f\n", what, key, tui_now_ms() - t0);
	else
		fprintf(f, "%s %.3f\n", what, tui_now_ms() - t0);
	fclose(f);
}

void tui_timing_first(struct tui_app *app, double t0)
{
	log_line(app, "first", NULL, t0);
}

void tui_key_arrived(struct tui_app *app, int key)
{
	app->key_t0 = tui_now_ms();
	tui_key_name(key, app->key_name, sizeof(app->key_name));
}

void tui_frame_done(struct tui_app *app)
{
	if (app->key_t0 > 0)
		log_line(app, "key", app->key_name, app->key_t0);
	app->key_t0 = 0;
}
