/*
 * asio_shim.cpp - the shim for Boost.Asio's ssl::stream<tcp::socket>, unmodified
 * (Debian's libboost-dev 1.74), used the way an asio service uses it: one
 * io_context, async_connect, async_handshake, an async_read_some loop, then
 * async_shutdown. The protocol is tools/shims/README.md.
 *
 * asio's async_shutdown completes when (a) the peer's close_notify arrives, (b)
 * the peer closes the transport, or (c) the operation is cancelled; it sets no
 * deadline of its own. The cancel timer (TA_SHIM_CANCEL_MS) is a steady_timer
 * armed when the shutdown starts; at expiry it closes the lowest layer, which
 * completes the pending async_shutdown with operation_aborted: the cancellation
 * the asio documentation and the seed answer describe.
 *
 * The verdict is the error_code asio hands the shutdown's handler:
 *   no error                      clean
 *   ssl::error::stream_truncated  truncated
 *   error::operation_aborted      cancelled
 *   anything else                 failed:<ec.message()>
 * The read loop ends on asio::error::eof (asio's SSL_ERROR_ZERO_RETURN: the
 * peer's close_notify), after which async_shutdown sends ours; on
 * stream_truncated (the transport closed without close_notify) the verdict is
 * truncated without a shutdown.
 */
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <chrono>
#include <string>

#include "shim_common.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

class shim {
public:
    explicit shim(const ta_shim_env &e)
        : env_(e), ctx_(asio::ssl::context::tls_client), stream_(io_, ctx_), timer_(io_)
    {
        int v = e.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
        SSL_CTX_set_min_proto_version(ctx_.native_handle(), v);
        SSL_CTX_set_max_proto_version(ctx_.native_handle(), v);
        if (e.ca != nullptr) {
            ctx_.load_verify_file(e.ca);
            ctx_.set_verify_mode(asio::ssl::verify_peer);
        }
    }

    /* Runs the io_context until nothing is pending; the verdict is then set
     * (a silent peer without a cancel timer keeps run() going: the hang). */
    void run()
    {
        tcp::resolver resolver(io_);
        asio::async_connect(stream_.lowest_layer(), resolver.resolve(env_.host, env_.port),
                            [this](const error_code &ec, const tcp::endpoint &) {
                                if (ec)
                                    return finish(TA_SHIM_FAILED, ec);
                                stream_.async_handshake(
                                    asio::ssl::stream_base::client,
                                    [this](const error_code &hec) { on_handshake(hec); });
                            });
        io_.run();
    }

    ta_shim_verdict verdict() const
    {
        return verdict_;
    }
    const std::string &why() const
    {
        return why_;
    }

private:
    void finish(ta_shim_verdict v, const error_code &ec)
    {
        verdict_ = v;
        why_.clear();
        if (ec) {
            why_ = ec.message();
            std::fprintf(stderr, "asio shim: %s (%s:%d)\n", why_.c_str(), ec.category().name(),
                         ec.value());
        }
    }

    void on_handshake(const error_code &ec)
    {
        if (ec)
            return finish(TA_SHIM_FAILED, ec);
        read_more();
    }

    void read_more()
    {
        std::size_t want = sizeof(buf_);
        if (env_.read_n >= 0 && static_cast<std::size_t>(env_.read_n - total_) < want)
            want = static_cast<std::size_t>(env_.read_n - total_);
        stream_.async_read_some(asio::buffer(buf_, want),
                                [this](const error_code &ec, std::size_t n) { on_read(ec, n); });
    }

    void on_read(const error_code &ec, std::size_t n)
    {
        if (n > 0) {
            total_ += static_cast<long>(n);
            ta_shim_report_read(total_);
        }
        if (!ec) {
            if (env_.read_n < 0 || total_ < env_.read_n)
                return read_more();
            return start_shutdown(); /* we close first */
        }
        if (ec == asio::error::eof) /* the peer's close_notify: answer it */
            return start_shutdown();
        if (ec == asio::ssl::error::stream_truncated)
            return finish(TA_SHIM_TRUNCATED, ec);
        finish(TA_SHIM_FAILED, ec);
    }

    void start_shutdown()
    {
        if (env_.cancel_ms > 0) {
            timer_.expires_after(std::chrono::milliseconds(env_.cancel_ms));
            timer_.async_wait([this](const error_code &ec) {
                if (ec) /* cancelled: the shutdown finished first */
                    return;
                std::fprintf(stderr, "asio shim: cancel timer (%ld ms) fired: closing the socket\n",
                             env_.cancel_ms);
                error_code ignored;
                stream_.lowest_layer().close(ignored);
            });
        }
        stream_.async_shutdown([this](const error_code &ec) {
            timer_.cancel();
            if (!ec)
                return finish(TA_SHIM_CLEAN, ec);
            if (ec == asio::ssl::error::stream_truncated)
                return finish(TA_SHIM_TRUNCATED, ec);
            if (ec == asio::error::operation_aborted)
                return finish(TA_SHIM_CANCELLED, ec);
            finish(TA_SHIM_FAILED, ec);
        });
    }

    ta_shim_env env_;
    asio::io_context io_;
    asio::ssl::context ctx_;
    asio::ssl::stream<tcp::socket> stream_;
    asio::steady_timer timer_;
    char buf_[16384];
    long total_ = 0;
    /* Until a handler sets it: run() returned without one (not expected). */
    ta_shim_verdict verdict_ = TA_SHIM_FAILED;
    std::string why_ = "io_context ran out of work without a verdict";
};

} // namespace

int main()
{
    ta_shim_env e = ta_shim_env_read();
    ta_shim_verdict v;
    std::string why;
    try {
        shim s(e);
        s.run();
        v = s.verdict();
        why = s.why();
    } catch (const std::exception &ex) {
        std::fprintf(stderr, "asio shim: exception: %s\n", ex.what());
        v = TA_SHIM_FAILED;
        why = ex.what();
    }
    ta_shim_finish(v, why.c_str());
}
