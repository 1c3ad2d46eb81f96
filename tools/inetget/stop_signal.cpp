#include "stop_signal.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace inetget {

namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

StopSignal::StopSignal() {
    sigset_t set = stop_signals();
    if (int error = pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0) {
        throw std::system_error(error, std::system_category(), "pthread_sigmask");
    }
    fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) {
        int error = errno;
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
        throw std::system_error(error, std::system_category(), "signalfd");
    }
}

StopSignal::~StopSignal() {
    ::close(fd_);
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

std::optional<int> StopSignal::wait(std::chrono::milliseconds limit) {
    pollfd entry{fd_, POLLIN, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(limit.count()));
    if (ready <= 0) return std::nullopt;  // timeout, or EINTR from a signal we do not handle
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return std::nullopt;
    int number = static_cast<int>(info.ssi_signo);
    if (!received_) received_ = number;
    return number;
}

int exit_status_for_signal(int signal_number) noexcept {
    return 128 + signal_number;
}

}  // namespace inetget
