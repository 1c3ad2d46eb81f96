/* The libcurl yardstick of the benchmark: a small libcurl-multi program.
 *
 *   curl_multi [--parallel M] [--buffer-size BYTES] [-o FILE | -d DIR] URL...
 *
 * Fetches the URLs with at most M transfers in flight (M = 1: one after another),
 * reusing connections from the multi handle's cache (keep-alive). Without -o/-d the
 * bodies are discarded in the write callback. --buffer-size sets CURLOPT_BUFFERSIZE
 * (0 or absent: libcurl's default). Exits non-zero if any transfer fails, answers
 * with a status other than 200, or delivers fewer bytes than its Content-Length.
 *
 * ftp:// URLs (passive, anonymous) work the same way: the control connections are
 * reused, libcurl's default FTP method (a CWD into each directory); libcurl checks the
 * 226 and the length must match what SIZE reported.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct transfer {
  CURL *easy;
  const char *url;
  FILE *output;
  curl_off_t received;
};

static const char *output_file;
static const char *output_dir;
static FILE *shared_output;

static int is_ftp(const char *url) { return strncmp(url, "ftp://", 6) == 0; }

static void die(const char *what, const char *detail) {
  fprintf(stderr, "curl_multi: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static size_t on_body(char *data, size_t size, size_t count, void *user) {
  struct transfer *t = user;
  size_t bytes = size * count;
  t->received += (curl_off_t)bytes;
  if (t->output && fwrite(data, 1, bytes, t->output) != bytes) return 0;
  return bytes;
}

static FILE *open_output_for(const char *url) {
  if (!output_dir) return shared_output;
  const char *name = strrchr(url, '/');
  name = (name && name[1]) ? name + 1 : "index.html";
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", output_dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) die("cannot open output", path);
  return f;
}

static void start(CURLM *multi, struct transfer *t, const char *url) {
  t->url = url;
  t->received = 0;
  t->output = open_output_for(url);
  curl_easy_setopt(t->easy, CURLOPT_URL, url);
  CURLMcode rc = curl_multi_add_handle(multi, t->easy);
  if (rc != CURLM_OK) die("curl_multi_add_handle failed", curl_multi_strerror(rc));
}

static void check_finished(struct transfer *t, CURLcode result) {
  if (result != CURLE_OK) die(curl_easy_strerror(result), t->url);
  long status = 0;
  curl_off_t expected = -1;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
  /* For FTP libcurl checks the 226 itself (CURLE_PARTIAL_FILE, CURLE_FTP_*); the code it
     reports may be that of a QUIT sent on a cached connection meanwhile. */
  if (!is_ftp(t->url) && status != 200) die("status is not 200", t->url);
  if (expected >= 0 && expected != t->received) die("body length differs from Content-Length", t->url);
  if (output_dir && fclose(t->output) != 0) die("cannot write output", t->url);
}

int main(int argc, char **argv) {
  long parallel = 1;
  long buffer_size = 0;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc) {
      parallel = strtol(argv[++i], NULL, 10);
      if (parallel < 1) die("--parallel needs a positive number", NULL);
    } else if (strcmp(argv[i], "--buffer-size") == 0 && i + 1 < argc) {
      buffer_size = strtol(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      output_file = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      output_dir = argv[++i];
    } else {
      break;
    }
  }
  if (i >= argc || argv[i][0] == '-' || (output_file && output_dir)) {
    fprintf(stderr, "usage: curl_multi [--parallel M] [--buffer-size BYTES] [-o FILE | -d DIR] URL...\n");
    return 2;
  }
  char **urls = argv + i;
  long url_count = argc - i;
  if (parallel > url_count) parallel = url_count;
  if (output_file && !(shared_output = fopen(output_file, "wb"))) die("cannot open output", output_file);

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("curl_global_init failed", NULL);
  CURLM *multi = curl_multi_init();
  if (!multi) die("curl_multi_init failed", NULL);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, parallel);

  struct transfer *transfers = calloc((size_t)parallel, sizeof *transfers);
  if (!transfers) die("out of memory", NULL);
  long next_url = 0;
  for (long k = 0; k < parallel; ++k) {
    struct transfer *t = &transfers[k];
    t->easy = curl_easy_init();
    if (!t->easy) die("curl_easy_init failed", NULL);
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
    if (buffer_size > 0) curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, buffer_size);
    start(multi, t, urls[next_url++]);
  }

  long finished = 0;
  while (finished < url_count) {
    int running = 0;
    CURLMcode rc = curl_multi_perform(multi, &running);
    if (rc != CURLM_OK) die("curl_multi_perform failed", curl_multi_strerror(rc));
    CURLMsg *message;
    int queued;
    while ((message = curl_multi_info_read(multi, &queued))) {
      if (message->msg != CURLMSG_DONE) continue;
      struct transfer *t;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&t);
      CURLcode result = message->data.result;
      curl_multi_remove_handle(multi, t->easy);
      check_finished(t, result);
      ++finished;
      if (next_url < url_count) start(multi, t, urls[next_url++]);
    }
    if (finished < url_count) {
      rc = curl_multi_poll(multi, NULL, 0, 1000, NULL);
      if (rc != CURLM_OK) die("curl_multi_poll failed", curl_multi_strerror(rc));
    }
  }

  for (long k = 0; k < parallel; ++k) curl_easy_cleanup(transfers[k].easy);
  free(transfers);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  if (shared_output && fclose(shared_output) != 0) die("cannot write output", output_file);
  return 0;
}
