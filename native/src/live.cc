// Live capture with libpcap on a native thread.
//
// The capture thread runs pcap_dispatch and copies each record into the slot it is filling
// (typed arrays laid out like a PacketBatch). A filled slot is published to a FIFO of ready
// slots; JavaScript takes one with next() (one crossing per batch), which also returns the slot
// it held before. When JavaScript asks and nothing is ready, it is told to wait, and the thread
// publishes its partial slot at once and wakes JavaScript through a thread-safe function.
// When every slot is taken (JavaScript is slower than the link), the thread waits and the
// kernel ring buffers, then drops: those drops are counted by the kernel (pcap_stats).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common.h"

namespace refinery {
namespace {

enum SlotState : uint8_t { kFree = 0, kFilling = 1, kReady = 2, kInJs = 3 };

Napi::Error PcapError(Napi::Env env, const std::string& msg, const char* code) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

class LiveCapture : public Napi::ObjectWrap<LiveCapture> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "LiveCapture", {
      InstanceMethod("start", &LiveCapture::Start),
      InstanceMethod("next", &LiveCapture::Next),
      InstanceMethod("stop", &LiveCapture::Stop),
      InstanceMethod("close", &LiveCapture::Close),
      InstanceMethod("stats", &LiveCapture::Stats),
    });
  }

  // new LiveCapture(options, slots, onReady)
  explicit LiveCapture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LiveCapture>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsArray() || !info[2].IsFunction()) {
      throw Napi::TypeError::New(env, "LiveCapture(options, slots, onReady)");
    }
    Napi::Object o = info[0].As<Napi::Object>();
    std::string iface = OptString(o, "iface", "");
    if (iface.empty()) throw Napi::TypeError::New(env, "options.iface is required");
    int snaplen = static_cast<int>(OptInt(o, "snaplen", 262144));
    bool promisc = OptBool(o, "promisc", true);
    int64_t bufferSize = OptInt(o, "bufferSize", 0);
    int timeoutMs = static_cast<int>(OptInt(o, "timeoutMs", 100));
    timeoutMs_ = timeoutMs;
    bool immediate = OptBool(o, "immediate", false);
    std::string filter = OptString(o, "filter", "");

    Napi::Array arr = info[1].As<Napi::Array>();
    if (arr.Length() < 2 || arr.Length() > 16) throw Napi::RangeError::New(env, "between 2 and 16 slots");
    slots_.resize(arr.Length());
    state_.assign(arr.Length(), kFree);
    for (uint32_t i = 0; i < arr.Length(); i++) {
      BindSlot(arr.Get(i), slots_[i]);
      if (slots_[i].dataCap < static_cast<size_t>(snaplen)) {
        throw Napi::RangeError::New(env, "slot buffers must hold at least one record of snaplen bytes");
      }
    }
    onReady_ = Napi::Persistent(info[2].As<Napi::Function>());

    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    p_ = pcap_create(iface.c_str(), errbuf);
    if (!p_) throw PcapError(env, std::string("cannot open ") + iface + ": " + errbuf, "EPCAP");
    pcap_set_snaplen(p_, snaplen);
    pcap_set_promisc(p_, promisc ? 1 : 0);
    pcap_set_timeout(p_, timeoutMs);
    if (bufferSize > 0) pcap_set_buffer_size(p_, static_cast<int>(bufferSize));
    if (immediate) pcap_set_immediate_mode(p_, 1);
    pcap_set_tstamp_precision(p_, PCAP_TSTAMP_PRECISION_NANO);  // falls back to micro when refused
    int st = pcap_activate(p_);
    if (st < 0) {
      std::string detail = pcap_geterr(p_);
      std::string status = pcap_statustostr(st);
      std::string msg = std::string("cannot capture on ") + iface + ": " + status;
      if (!detail.empty() && detail != status) msg += " (" + detail + ")";
      const char* code = "EPCAP";
      if (st == PCAP_ERROR_NO_SUCH_DEVICE) code = "ENODEV";
      if (st == PCAP_ERROR_PERM_DENIED || st == PCAP_ERROR_PROMISC_PERM_DENIED) {
        code = "EPERM";
        msg += "; live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities";
      }
      pcap_close(p_);
      p_ = nullptr;
      throw PcapError(env, msg, code);
    }
    if (st > 0) warning_ = std::string(pcap_statustostr(st)) + ": " + pcap_geterr(p_);
    nano_ = pcap_get_tstamp_precision(p_) == PCAP_TSTAMP_PRECISION_NANO;
    if (!filter.empty()) {
      struct bpf_program prog;
      if (pcap_compile(p_, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0) {
        std::string msg = std::string("invalid BPF filter \"") + filter + "\": " + pcap_geterr(p_);
        pcap_close(p_);
        p_ = nullptr;
        throw PcapError(env, msg, "EFILTER");
      }
      int r = pcap_setfilter(p_, &prog);
      pcap_freecode(&prog);
      if (r < 0) {
        std::string msg = std::string("cannot set BPF filter \"") + filter + "\": " + pcap_geterr(p_);
        pcap_close(p_);
        p_ = nullptr;
        throw PcapError(env, msg, "EFILTER");
      }
    }
    Napi::Object self = info.This().As<Napi::Object>();
    self.Set("linkType", Napi::Number::New(env, LinkTypeOf(pcap_datalink(p_))));
    self.Set("snaplen", Napi::Number::New(env, pcap_snapshot(p_)));
    self.Set("nanosecond", Napi::Boolean::New(env, nano_));
    self.Set("warning", warning_.empty() ? env.Null() : Napi::String::New(env, warning_));
    env_ = env;
    napi_add_env_cleanup_hook(env, &LiveCapture::OnEnvCleanup, this);
    hookAdded_ = true;
  }

  ~LiveCapture() override {
    Shutdown();
    if (hookAdded_) napi_remove_env_cleanup_hook(env_, &LiveCapture::OnEnvCleanup, this);
  }

 private:
  // --- JavaScript side -------------------------------------------------------------------

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!p_) throw Napi::Error::New(env, "capture is closed");
    if (started_) return env.Undefined();
    started_ = true;
    tsfn_ = Napi::ThreadSafeFunction::New(env, onReady_.Value(), "refinery-pcap", 0, 1);
    tsfnLive_ = true;
    fill_ = 0;
    state_[0] = kFilling;
    slots_[0].reset();
    lastStats_ = std::chrono::steady_clock::now();
    RefreshStats();
    thread_ = std::thread([this] { Run(); });
    return env.Undefined();
  }

  // Returns count * 16 + slot of the next ready batch, -1 (wait for onReady) or -2 (ended).
  // Gives back the slot handed out by the previous call.
  Napi::Value Next(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    double result;
    {
      std::lock_guard<std::mutex> l(mu_);
      bool freed = false;
      for (size_t i = 0; i < state_.size(); i++) {
        if (state_[i] == kInJs) { state_[i] = kFree; freed = true; }
      }
      if (freed) cv_.notify_all();
      if (!ready_.empty()) {
        int i = ready_.front();
        ready_.pop_front();
        state_[i] = kInJs;
        result = static_cast<double>(slots_[i].count) * 16.0 + i;
      } else if (ended_ || !started_) {
        result = -2;
      } else {
        consumerWaiting_.store(true, std::memory_order_relaxed);
        result = -1;
      }
    }
    return Napi::Number::New(env, result);
  }

  // Graceful stop: capture ends, what the kernel holds is drained and delivered, then next() says -2.
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    stop_.store(true);
    if (p_ && started_) pcap_breakloop(p_);
    return info.Env().Undefined();
  }

  // Stops at once (batches not yet taken are discarded), joins the thread, closes the handle.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (p_ && !started_) RefreshStats();
    Napi::Object o = Napi::Object::New(env);
    std::lock_guard<std::mutex> l(statsMu_);
    o.Set("received", Napi::Number::New(env, static_cast<double>(recv_)));
    o.Set("dropped", Napi::Number::New(env, static_cast<double>(drop_)));
    o.Set("ifDropped", Napi::Number::New(env, static_cast<double>(ifdrop_)));
    o.Set("captured", Napi::Number::New(env, static_cast<double>(captured_.load())));
    o.Set("capturedBytes", Napi::Number::New(env, static_cast<double>(capturedBytes_.load())));
    o.Set("batches", Napi::Number::New(env, static_cast<double>(batches_.load())));
    o.Set("discarded", Napi::Number::New(env, static_cast<double>(discarded_.load())));
    o.Set("error", error_.empty() ? env.Null() : Napi::String::New(env, error_));
    return o;
  }

  // --- capture thread --------------------------------------------------------------------

  static void Handler(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes) {
    reinterpret_cast<LiveCapture*>(user)->OnPacket(h, bytes);
  }

  void OnPacket(const struct pcap_pkthdr* h, const u_char* bytes) {
    if (noSlot_) { discarded_.fetch_add(1, std::memory_order_relaxed); return; }
    Slot* s = &slots_[fill_];
    uint32_t len = h->caplen;
    if (len > s->dataCap) len = static_cast<uint32_t>(s->dataCap);
    if (!s->fits(len)) {
      if (!Rotate(true)) { discarded_.fetch_add(1, std::memory_order_relaxed); return; }
      s = &slots_[fill_];
    }
    struct pcap_pkthdr hh = *h;
    hh.caplen = len;
    s->append(&hh, bytes, nano_);
    captured_.fetch_add(1, std::memory_order_relaxed);
    capturedBytes_.fetch_add(len, std::memory_order_relaxed);
    if ((s->count & 63) == 0 && consumerWaiting_.load(std::memory_order_relaxed)) Rotate(false);
  }

  // Publishes the filling slot (if it holds records) and takes a free one. With mustHaveRoom,
  // waits for JavaScript to give a slot back; false when aborted meanwhile.
  bool Rotate(bool mustHaveRoom) {
    std::unique_lock<std::mutex> l(mu_);
    if (slots_[fill_].count == 0 && !mustHaveRoom) return true;
    if (slots_[fill_].count > 0) {
      state_[fill_] = kReady;
      ready_.push_back(fill_);
      batches_.fetch_add(1, std::memory_order_relaxed);
      WakeLocked();
    }
    for (;;) {
      for (size_t i = 0; i < state_.size(); i++) {
        if (state_[i] == kFree) {
          fill_ = static_cast<int>(i);
          state_[i] = kFilling;
          slots_[i].reset();
          return true;
        }
      }
      if (abort_.load()) { noSlot_ = true; return false; }
      cv_.wait_for(l, std::chrono::milliseconds(50));
      if (!abort_.load()) {
        l.unlock();
        RefreshStatsMaybe();  // kernel drops while we wait are reported as they happen
        l.lock();
      }
    }
  }

  void WakeLocked() {
    if (consumerWaiting_.load(std::memory_order_relaxed)) {
      consumerWaiting_.store(false, std::memory_order_relaxed);
      if (tsfnLive_) tsfn_.NonBlockingCall();
    }
  }

  void Run() {
    while (!stop_.load() && !abort_.load()) {
      int n = pcap_dispatch(p_, -1, &LiveCapture::Handler, reinterpret_cast<u_char*>(this));
      if (n == PCAP_ERROR) {
        std::lock_guard<std::mutex> l(statsMu_);
        error_ = pcap_geterr(p_);
        break;
      }
      RefreshStatsMaybe();
      if (consumerWaiting_.load(std::memory_order_relaxed) && !noSlot_) Rotate(false);
    }
    if (!abort_.load() && error_.empty() && !noSlot_) {
      // Deliver what the kernel already holds: nothing captured before the stop is lost. With
      // TPACKET_V3 the last packets sit in a block the kernel hands over when its timer
      // (the read timeout) fires, so keep reading, non-blocking, for one timeout and a margin.
      char eb[PCAP_ERRBUF_SIZE];
      if (pcap_setnonblock(p_, 1, eb) == 0) {
        // The kernel retires a partly filled block within two timeouts; while packets still come
        // out, keep going a little longer (bounded: a busy link must not delay the stop forever).
        using clock = std::chrono::steady_clock;
        auto stopAt = clock::now();
        auto deadline = stopAt + std::chrono::milliseconds(2 * timeoutMs_ + 50);
        auto hardLimit = stopAt + std::chrono::milliseconds(2 * timeoutMs_ + 2000);
        while (!abort_.load()) {
          int n = pcap_dispatch(p_, -1, &LiveCapture::Handler, reinterpret_cast<u_char*>(this));
          if (n < 0 || noSlot_) break;
          auto now = clock::now();
          if (n > 0) deadline = std::max(deadline, std::min(hardLimit, now + std::chrono::milliseconds(timeoutMs_ + 50)));
          if (now >= deadline) break;
          if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    }
    RefreshStats();
    std::lock_guard<std::mutex> l(mu_);
    if (!noSlot_ && !abort_.load() && slots_[fill_].count > 0) {
      state_[fill_] = kReady;
      ready_.push_back(fill_);
      batches_.fetch_add(1, std::memory_order_relaxed);
    } else if (!noSlot_) {
      state_[fill_] = kFree;
    }
    ended_ = true;
    if (consumerWaiting_.load()) {
      consumerWaiting_.store(false);
      tsfn_.NonBlockingCall();
    } else if (!abort_.load()) {
      // JavaScript is busy with a batch; its next call to next() sees the end.
    }
    tsfnLive_ = false;
    tsfn_.Release();
  }

  void RefreshStatsMaybe() {
    auto now = std::chrono::steady_clock::now();
    if (now - lastStats_ >= std::chrono::milliseconds(100)) RefreshStats();
  }

  // pcap_stat fields are 32-bit and wrap: accumulate their deltas in 64 bits.
  void RefreshStats() {
    if (!p_) return;
    lastStats_ = std::chrono::steady_clock::now();
    struct pcap_stat ps;
    std::memset(&ps, 0, sizeof ps);
    if (pcap_stats(p_, &ps) != 0) return;
    std::lock_guard<std::mutex> l(statsMu_);
    recv_ += static_cast<uint32_t>(ps.ps_recv - lastRecv_);
    drop_ += static_cast<uint32_t>(ps.ps_drop - lastDrop_);
    ifdrop_ += static_cast<uint32_t>(ps.ps_ifdrop - lastIfdrop_);
    lastRecv_ = ps.ps_recv;
    lastDrop_ = ps.ps_drop;
    lastIfdrop_ = ps.ps_ifdrop;
  }

  void Shutdown() {
    abort_.store(true);
    stop_.store(true);
    if (p_ && started_) pcap_breakloop(p_);
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (started_ && tsfnLive_) {  // thread never got to release it
      tsfnLive_ = false;
      tsfn_.Release();
    }
    if (p_) {
      if (!started_) RefreshStats();
      pcap_close(p_);
      p_ = nullptr;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      ended_ = true;
      ready_.clear();
    }
  }

  static void OnEnvCleanup(void* arg) {
    auto* self = static_cast<LiveCapture*>(arg);
    self->hookAdded_ = false;
    self->Shutdown();
  }

  pcap_t* p_ = nullptr;
  bool nano_ = false;
  int timeoutMs_ = 100;
  std::string warning_;
  std::vector<Slot> slots_;
  std::vector<uint8_t> state_;
  std::deque<int> ready_;
  int fill_ = 0;
  bool noSlot_ = false;
  bool started_ = false;
  bool ended_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> abort_{false};
  std::atomic<bool> consumerWaiting_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  Napi::FunctionReference onReady_;
  Napi::ThreadSafeFunction tsfn_;
  bool tsfnLive_ = false;
  napi_env env_ = nullptr;
  bool hookAdded_ = false;

  std::mutex statsMu_;
  std::string error_;
  std::chrono::steady_clock::time_point lastStats_;
  uint64_t recv_ = 0, drop_ = 0, ifdrop_ = 0;
  u_int lastRecv_ = 0, lastDrop_ = 0, lastIfdrop_ = 0;
  std::atomic<uint64_t> captured_{0};
  std::atomic<uint64_t> capturedBytes_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> discarded_{0};
};

}  // namespace

Napi::Function InitLive(Napi::Env env) { return LiveCapture::Init(env); }

}  // namespace refinery
