// The states of a transfer, shared by the transfer (which sets them) and the progress view
// (which shows them).
#pragma once

namespace inetget {

// In the order a transfer normally passes through them.
enum class TransferState : int {
    waiting,     // created, worker not started yet
    connecting,  // InternetOpenUrl: resolve, connect, send the request, read the head
    receiving,   // status accepted; reading the body into the .part file
    succeeded,   // complete and renamed to the final name
    failed,      // see the error; the .part file is gone
    cancelled,   // stopped by Transfer::cancel(); the .part file is gone
};

constexpr bool is_finished(TransferState state) noexcept {
    return state == TransferState::succeeded || state == TransferState::failed ||
           state == TransferState::cancelled;
}

constexpr const char* state_name(TransferState state) noexcept {
    switch (state) {
        case TransferState::waiting:
            return "waiting";
        case TransferState::connecting:
            return "connecting";
        case TransferState::receiving:
            return "receiving";
        case TransferState::succeeded:
            return "done";
        case TransferState::failed:
            return "failed";
        case TransferState::cancelled:
            return "cancelled";
    }
    return "?";
}

}  // namespace inetget
