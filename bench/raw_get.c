/* The practical limit of this machine for the benchmark: a plain-socket HTTP/1.1
 * reader with nothing between recv() and the caller. One GET per URL, sent over
 * persistent connections (keep-alive), no pipelining; the body is received into a
 * 1 MiB buffer and discarded, or written to the output.
 *
 *   raw_get [--parallel M] [-o FILE | -d DIR] URL...
 *
 * All URLs must be http://HOST[:PORT]/PATH on one server. With --parallel M, M
 * connections each fetch the next unclaimed URL, multiplexed with poll(). Without
 * -o/-d the bodies are discarded. Exits non-zero on any failure: a status other
 * than 200, a response without Content-Length, or a body cut short.
 *
 * It is deliberately minimal (no chunked bodies, no redirects, no TLS): it serves
 * as the yardstick for a static file served by the benchmark's nginx.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

enum { BUFFER_SIZE = 1 << 20 };

struct server {
  char host[256];
  char port[16];
  char host_header[300];
  struct addrinfo *addresses;
};

struct connection {
  int socket_fd;
  char *buffer;
  size_t head_bytes;            /* response head collected so far (in buffer) */
  int reading_body;
  unsigned long long body_left;
  int close_after_response;     /* the server said "Connection: close" */
  int output_fd;                /* -1: discard */
  long url_index;               /* -1: idle */
};

static const char *const *urls;
static long url_count;
static long next_url;
static const char *output_file;
static const char *output_dir;
static int shared_output_fd = -1;
static struct server server;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "raw_get: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

/* Splits http://HOST[:PORT]/PATH; returns the path (points into url). */
static const char *split_url(const char *url, char *host, size_t host_size, char *port,
                             size_t port_size) {
  if (strncmp(url, "http://", 7) != 0) die("only http:// URLs are supported", url);
  const char *authority = url + 7;
  const char *path = strchr(authority, '/');
  if (!path) path = authority + strlen(authority);
  const char *colon = memchr(authority, ':', (size_t)(path - authority));
  const char *host_end = colon ? colon : path;
  if (host_end == authority || (size_t)(host_end - authority) >= host_size) die("bad host in URL", url);
  memcpy(host, authority, (size_t)(host_end - authority));
  host[host_end - authority] = '\0';
  if (colon) {
    size_t length = (size_t)(path - colon - 1);
    if (length == 0 || length >= port_size) die("bad port in URL", url);
    memcpy(port, colon + 1, length);
    port[length] = '\0';
  } else {
    snprintf(port, port_size, "80");
  }
  return *path ? path : "/";
}

static void resolve_server(void) {
  char port[16];
  split_url(urls[0], server.host, sizeof server.host, port, sizeof port);
  snprintf(server.port, sizeof server.port, "%s", port);
  snprintf(server.host_header, sizeof server.host_header, "%s:%s", server.host, server.port);
  for (long i = 1; i < url_count; ++i) {
    char host[256], other_port[16];
    split_url(urls[i], host, sizeof host, other_port, sizeof other_port);
    if (strcmp(host, server.host) != 0 || strcmp(other_port, server.port) != 0)
      die("all URLs must name the same server", urls[i]);
  }
  struct addrinfo hints = {0};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(server.host, server.port, &hints, &server.addresses);
  if (rc != 0) die("cannot resolve", gai_strerror(rc));
}

static void connect_to_server(struct connection *c) {
  for (struct addrinfo *a = server.addresses; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c->socket_fd = fd;
      return;
    }
    close(fd);
  }
  die("cannot connect", server.host_header);
}

static void write_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write failed", strerror(errno));
    }
    data += n;
    size -= (size_t)n;
  }
}

static int open_output_for(const char *url) {
  if (output_dir) {
    const char *name = strrchr(url, '/');
    name = (name && name[1]) ? name + 1 : "index.html";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", output_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("cannot open output", path);
    return fd;
  }
  return shared_output_fd;
}

/* Claims the next URL and sends its GET; returns 0 when none is left. */
static int start_request(struct connection *c) {
  if (next_url >= url_count) {
    c->url_index = -1;
    return 0;
  }
  c->url_index = next_url++;
  if (c->socket_fd < 0) connect_to_server(c);
  char host[256], port[16];
  const char *path = split_url(urls[c->url_index], host, sizeof host, port, sizeof port);
  char request[4096 + 512];
  int length = snprintf(request, sizeof request,
                        "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: raw_get\r\nAccept: */*\r\n\r\n",
                        path, server.host_header);
  if (length < 0 || (size_t)length >= sizeof request) die("URL too long", urls[c->url_index]);
  const char *p = request;
  size_t left = (size_t)length;
  while (left > 0) {
    ssize_t n = send(c->socket_fd, p, left, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("send failed", strerror(errno));
    }
    p += n;
    left -= (size_t)n;
  }
  c->head_bytes = 0;
  c->reading_body = 0;
  c->close_after_response = 0;
  c->output_fd = open_output_for(urls[c->url_index]);
  return 1;
}

static int header_is(const char *line, size_t line_length, const char *name, const char **value) {
  size_t name_length = strlen(name);
  if (line_length <= name_length || strncasecmp(line, name, name_length) != 0 || line[name_length] != ':')
    return 0;
  const char *v = line + name_length + 1;
  while (*v == ' ' || *v == '\t') ++v;
  *value = v;
  return 1;
}

/* Parses the complete head in c->buffer[0, head_length). */
static void parse_head(struct connection *c, size_t head_length) {
  const char *url = urls[c->url_index];
  if (head_length < 12 || strncmp(c->buffer, "HTTP/1.", 7) != 0) die("not an HTTP response", url);
  if (strncmp(c->buffer + 9, "200", 3) != 0) die("status is not 200", url);
  int have_length = 0;
  const char *line = memchr(c->buffer, '\n', head_length) + 1;
  const char *end = c->buffer + head_length;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    size_t line_length = (size_t)(eol - line);
    const char *value;
    if (header_is(line, line_length, "Content-Length", &value)) {
      char *stop;
      c->body_left = strtoull(value, &stop, 10);
      have_length = stop != value;
    } else if (header_is(line, line_length, "Transfer-Encoding", &value)) {
      die("chunked bodies are not supported", url);
    } else if (header_is(line, line_length, "Connection", &value)) {
      if (strncasecmp(value, "close", 5) == 0) c->close_after_response = 1;
    }
    line = eol + 1;
  }
  if (!have_length) die("response without Content-Length", url);
}

static void finish_response(struct connection *c) {
  if (output_dir) close(c->output_fd);
  if (c->close_after_response) {
    close(c->socket_fd);
    c->socket_fd = -1;
  }
}

/* One recv() and what follows from it; returns 1 when the response is complete. */
static int receive(struct connection *c) {
  if (c->reading_body) {
    size_t want = c->body_left < BUFFER_SIZE ? (size_t)c->body_left : BUFFER_SIZE;
    ssize_t n = recv(c->socket_fd, c->buffer, want, 0);
    if (n < 0 && errno == EINTR) return 0;
    if (n < 0) die("recv failed", strerror(errno));
    if (n == 0) die("connection closed inside the body", urls[c->url_index]);
    if (c->output_fd >= 0) write_all(c->output_fd, c->buffer, (size_t)n);
    c->body_left -= (unsigned long long)n;
  } else {
    if (c->head_bytes == BUFFER_SIZE) die("response head too large", urls[c->url_index]);
    ssize_t n = recv(c->socket_fd, c->buffer + c->head_bytes, BUFFER_SIZE - c->head_bytes, 0);
    if (n < 0 && errno == EINTR) return 0;
    if (n < 0) die("recv failed", strerror(errno));
    if (n == 0) die("connection closed before the response head", urls[c->url_index]);
    size_t search_from = c->head_bytes > 3 ? c->head_bytes - 3 : 0;
    c->head_bytes += (size_t)n;
    char *head_end = memmem(c->buffer + search_from, c->head_bytes - search_from, "\r\n\r\n", 4);
    if (!head_end) return 0;
    size_t head_length = (size_t)(head_end - c->buffer) + 4;
    parse_head(c, head_length);
    size_t body_bytes = c->head_bytes - head_length;
    if (body_bytes > c->body_left) die("more data than Content-Length", urls[c->url_index]);
    if (body_bytes > 0 && c->output_fd >= 0) write_all(c->output_fd, c->buffer + head_length, body_bytes);
    c->body_left -= body_bytes;
    c->reading_body = 1;
  }
  if (c->body_left > 0) return 0;
  finish_response(c);
  return 1;
}

static void run_one_connection(void) {
  struct connection c = {.socket_fd = -1, .output_fd = -1, .url_index = -1};
  c.buffer = malloc(BUFFER_SIZE);
  if (!c.buffer) die("out of memory", NULL);
  while (start_request(&c))
    while (!receive(&c)) {
    }
  if (c.socket_fd >= 0) close(c.socket_fd);
  free(c.buffer);
}

static void run_parallel(long parallel) {
  struct connection *connections = calloc((size_t)parallel, sizeof *connections);
  struct pollfd *polls = calloc((size_t)parallel, sizeof *polls);
  if (!connections || !polls) die("out of memory", NULL);
  long active = 0;
  for (long i = 0; i < parallel; ++i) {
    struct connection *c = &connections[i];
    c->socket_fd = -1;
    c->output_fd = -1;
    c->buffer = malloc(BUFFER_SIZE);
    if (!c->buffer) die("out of memory", NULL);
    if (start_request(c)) ++active;
  }
  while (active > 0) {
    for (long i = 0; i < parallel; ++i) {
      polls[i].fd = connections[i].url_index >= 0 ? connections[i].socket_fd : -1;
      polls[i].events = POLLIN;
      polls[i].revents = 0;
    }
    if (poll(polls, (nfds_t)parallel, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll failed", strerror(errno));
    }
    for (long i = 0; i < parallel; ++i) {
      if (!polls[i].revents) continue;
      struct connection *c = &connections[i];
      if (receive(c) && !start_request(c)) --active;
    }
  }
  for (long i = 0; i < parallel; ++i) {
    if (connections[i].socket_fd >= 0) close(connections[i].socket_fd);
    free(connections[i].buffer);
  }
  free(connections);
  free(polls);
}

int main(int argc, char **argv) {
  long parallel = 1;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc) {
      parallel = strtol(argv[++i], NULL, 10);
      if (parallel < 1) die("--parallel needs a positive number", NULL);
    } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      output_file = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      output_dir = argv[++i];
    } else {
      fprintf(stderr, "usage: raw_get [--parallel M] [-o FILE | -d DIR] URL...\n");
      return 2;
    }
  }
  if (i >= argc || (output_file && output_dir)) {
    fprintf(stderr, "usage: raw_get [--parallel M] [-o FILE | -d DIR] URL...\n");
    return 2;
  }
  urls = (const char *const *)argv + i;
  url_count = argc - i;
  if (output_file) {
    shared_output_fd = open(output_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (shared_output_fd < 0) die("cannot open output", output_file);
  }
  resolve_server();
  if (parallel > url_count) parallel = url_count;
  if (parallel == 1)
    run_one_connection();
  else
    run_parallel(parallel);
  if (shared_output_fd >= 0 && close(shared_output_fd) != 0) die("close failed", strerror(errno));
  freeaddrinfo(server.addresses);
  return 0;
}
