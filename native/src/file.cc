// Reads a pcap/pcapng file with libpcap into a PacketBatch-shaped slot (synchronous: one call
// per batch). Used to compare a native source with the TypeScript readers.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common.h"

namespace refinery {
namespace {

class FileCapture : public Napi::ObjectWrap<FileCapture> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "FileCapture", {
      InstanceMethod("read", &FileCapture::Read),
      InstanceMethod("close", &FileCapture::Close),
    });
  }

  // new FileCapture(path, slot)
  explicit FileCapture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FileCapture>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString()) throw Napi::TypeError::New(env, "FileCapture(path, slot)");
    std::string path = info[0].As<Napi::String>().Utf8Value();
    BindSlot(info[1], slot_);
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    // Our own FILE with a 1 MiB buffer: libpcap reads each record with two freads.
    FILE* fp = std::fopen(path.c_str(), "rb");
    if (!fp) {
      Napi::Error e = Napi::Error::New(env, path + ": " + std::strerror(errno));
      e.Set("code", Napi::String::New(env, "EPCAP"));
      throw e;
    }
    std::setvbuf(fp, nullptr, _IOFBF, 1 << 20);
    p_ = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);  // owns fp when it succeeds
    if (!p_) {
      std::fclose(fp);
      Napi::Error e = Napi::Error::New(env, path + ": " + errbuf);
      e.Set("code", Napi::String::New(env, "EPCAP"));
      throw e;
    }
    nano_ = pcap_get_tstamp_precision(p_) == PCAP_TSTAMP_PRECISION_NANO;
    Napi::Object self = info.This().As<Napi::Object>();
    self.Set("linkType", Napi::Number::New(env, LinkTypeOf(pcap_datalink(p_))));
    self.Set("snaplen", Napi::Number::New(env, pcap_snapshot(p_)));
  }

  ~FileCapture() override {
    if (p_) pcap_close(p_);
  }

 private:
  // Fills the slot; returns the number of records (0 at the end). A read error ends the file:
  // the records before it are returned and `error` is set on the object.
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    slot_.reset();
    if (!p_) return Napi::Number::New(env, 0);
    if (pendingHdr_) {
      Append(pendingHdr_, pendingData_);
      pendingHdr_ = nullptr;
    }
    while (slot_.count < slot_.capacity) {
      struct pcap_pkthdr* h;
      const u_char* d;
      int r = pcap_next_ex(p_, &h, &d);
      if (r == 1) {
        uint32_t len = std::min<uint32_t>(h->caplen, static_cast<uint32_t>(slot_.dataCap));
        if (!slot_.fits(len)) {
          pendingHdr_ = h;  // valid until the next pcap_next_ex call
          pendingData_ = d;
          break;
        }
        Append(h, d);
        continue;
      }
      if (r == PCAP_ERROR) {
        info.This().As<Napi::Object>().Set("error", Napi::String::New(env, pcap_geterr(p_)));
      }
      pcap_close(p_);
      p_ = nullptr;
      break;
    }
    return Napi::Number::New(env, slot_.count);
  }

  void Append(const struct pcap_pkthdr* h, const u_char* d) {
    struct pcap_pkthdr hh = *h;
    if (hh.caplen > slot_.dataCap) hh.caplen = static_cast<uint32_t>(slot_.dataCap);
    slot_.append(&hh, d, nano_);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (p_) pcap_close(p_);
    p_ = nullptr;
    pendingHdr_ = nullptr;
    return info.Env().Undefined();
  }

  pcap_t* p_ = nullptr;
  bool nano_ = false;
  Slot slot_;
  struct pcap_pkthdr* pendingHdr_ = nullptr;
  const u_char* pendingData_ = nullptr;
};

}  // namespace

Napi::Function InitFile(Napi::Env env) { return FileCapture::Init(env); }

}  // namespace refinery
