/* The FTP yardstick of the benchmark: a plain-socket passive FTP reader.
 *
 *   raw_ftp_get [--expect-size BYTES] [-o FILE] URL...
 *
 * Logs in once as anonymous on the first URL's server (all URLs must name the same
 * IPv4 address and port), switches to binary (TYPE I) and fetches each file with
 * EPSV + RETR over one control connection: the data connection is read with `recv`
 * into a 1 MiB buffer until the server closes it, then the 226 is awaited. Bodies are
 * discarded, or appended to FILE. Exits non-zero on any unexpected reply, socket error
 * or, with --expect-size, a file of another length. Not a general FTP client: no
 * PASV fallback, no TLS, no directory changes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { read_buffer_size = 1 << 20, reply_line_max = 8192 };

static char control_buffer[reply_line_max];
static size_t control_filled;
static int control_fd = -1;
static const char *current_url = "";

static void die(const char *what, const char *detail) {
  fprintf(stderr, "raw_ftp_get: %s%s%s (%s)\n", what, detail ? ": " : "", detail ? detail : "", current_url);
  exit(1);
}

static int connect_to(struct in_addr address, unsigned short port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket", strerror(errno));
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = address};
  if (connect(fd, (struct sockaddr *)&peer, sizeof peer) != 0) die("connect", strerror(errno));
  return fd;
}

static void send_command(const char *command, const char *argument) {
  char line[reply_line_max];
  int length = snprintf(line, sizeof line, "%s%s%s\r\n", command, argument ? " " : "", argument ? argument : "");
  if (length < 0 || (size_t)length >= sizeof line) die("command too long", command);
  for (int sent = 0; sent < length;) {
    ssize_t n = send(control_fd, line + sent, (size_t)(length - sent), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("send on the control connection", strerror(errno));
    sent += (int)n;
  }
}

/* Reads one reply (all lines of a multi-line reply); returns its code and leaves its
   last line, NUL-terminated, in `last_line`. */
static int read_reply(char *last_line, size_t last_line_size) {
  char first_code[4] = {0};
  for (;;) {
    char *end = memchr(control_buffer, '\n', control_filled);
    if (!end) {
      if (control_filled == sizeof control_buffer) die("reply line too long", NULL);
      ssize_t n = recv(control_fd, control_buffer + control_filled, sizeof control_buffer - control_filled, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("control connection closed", n < 0 ? strerror(errno) : NULL);
      control_filled += (size_t)n;
      continue;
    }
    size_t line_length = (size_t)(end - control_buffer) + 1;
    char line[reply_line_max + 1];
    memcpy(line, control_buffer, line_length);
    line[line_length] = '\0';
    memmove(control_buffer, control_buffer + line_length, control_filled - line_length);
    control_filled -= line_length;
    int has_code = line_length >= 4 && line[0] >= '1' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' &&
                   line[2] >= '0' && line[2] <= '9';
    if (!first_code[0]) {
      if (!has_code) die("malformed reply", line);
      memcpy(first_code, line, 3);
    }
    /* The reply ends at a line with the first line's code followed by a space. */
    if (has_code && memcmp(line, first_code, 3) == 0 && line[3] == ' ') {
      snprintf(last_line, last_line_size, "%s", line);
      return atoi(first_code);
    }
  }
}

static void expect_reply(int low, int high, char *line, size_t line_size) {
  int code = read_reply(line, line_size);
  if (code < low || code > high) die("unexpected reply", line);
}

int main(int argc, char **argv) {
  const char *output_file = NULL;
  long long expected_size = -1;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      output_file = argv[++i];
    } else if (strcmp(argv[i], "--expect-size") == 0 && i + 1 < argc) {
      expected_size = strtoll(argv[++i], NULL, 10);
    } else {
      break;
    }
  }
  if (i >= argc || argv[i][0] == '-') {
    fprintf(stderr, "usage: raw_ftp_get [--expect-size BYTES] [-o FILE] URL...\n");
    return 2;
  }
  int output_fd = -1;
  if (output_file && (output_fd = open(output_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
    die("cannot open output", output_file);
  char *buffer = malloc(read_buffer_size);
  if (!buffer) die("out of memory", NULL);

  struct in_addr server = {0};
  unsigned short server_port = 0;
  char line[reply_line_max + 1];
  for (; i < argc; ++i) {
    current_url = argv[i];
    const char *rest = argv[i];
    if (strncmp(rest, "ftp://", 6) != 0) die("only ftp:// URLs are supported", NULL);
    rest += 6;
    const char *slash = strchr(rest, '/');
    if (!slash || !slash[1]) die("the URL names no file", NULL);
    char authority[64];
    size_t authority_length = (size_t)(slash - rest);
    if (authority_length >= sizeof authority) die("host too long", NULL);
    memcpy(authority, rest, authority_length);
    authority[authority_length] = '\0';
    unsigned long port = 21;
    char *colon = strrchr(authority, ':');
    if (colon) {
      *colon = '\0';
      port = strtoul(colon + 1, NULL, 10);
      if (port == 0 || port > 65535) die("bad port", NULL);
    }
    struct in_addr address;
    if (inet_pton(AF_INET, authority, &address) != 1) die("the host must be an IPv4 address", authority);

    if (control_fd < 0) {
      server = address;
      server_port = (unsigned short)port;
      control_fd = connect_to(server, server_port);
      int one = 1;
      setsockopt(control_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      expect_reply(220, 220, line, sizeof line);
      send_command("USER", "anonymous");
      int code = read_reply(line, sizeof line);
      if (code == 331) {
        send_command("PASS", "raw_ftp_get@example.com");
        expect_reply(230, 230, line, sizeof line);
      } else if (code != 230) {
        die("login refused", line);
      }
      send_command("TYPE", "I");
      expect_reply(200, 200, line, sizeof line);
    } else if (address.s_addr != server.s_addr || port != server_port) {
      die("all URLs must name the same server", NULL);
    }

    send_command("EPSV", NULL);
    expect_reply(229, 229, line, sizeof line);
    const char *open_paren = strchr(line, '(');
    unsigned long data_port = 0;
    if (!open_paren || sscanf(open_paren, "(|||%lu|)", &data_port) != 1 || data_port == 0 || data_port > 65535)
      die("malformed EPSV reply", line);
    int data_fd = connect_to(server, (unsigned short)data_port);
    send_command("RETR", slash);
    int code = read_reply(line, sizeof line);
    if (code != 125 && code != 150) die("RETR refused", line);

    long long received = 0;
    for (;;) {
      ssize_t n = recv(data_fd, buffer, read_buffer_size, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die("recv on the data connection", strerror(errno));
      if (n == 0) break;
      received += n;
      for (ssize_t written = 0; output_fd >= 0 && written < n;) {
        ssize_t w = write(output_fd, buffer + written, (size_t)(n - written));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) die("write", strerror(errno));
        written += w;
      }
    }
    close(data_fd);
    expect_reply(226, 226, line, sizeof line);
    if (expected_size >= 0 && received != expected_size) die("the file has another size", NULL);
  }
  current_url = "";
  send_command("QUIT", NULL);
  read_reply(line, sizeof line);
  close(control_fd);
  free(buffer);
  if (output_fd >= 0 && close(output_fd) != 0) die("cannot write output", output_file);
  return 0;
}
