// Entry point of the capture addon: LiveCapture (libpcap on an interface, captured on a native
// thread) and FileCapture (libpcap's file reader), both filling PacketBatch-shaped typed arrays.
#include "common.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("LiveCapture", refinery::InitLive(env));
  exports.Set("FileCapture", refinery::InitFile(env));
  exports.Set("libVersion", Napi::String::New(env, pcap_lib_version()));
  return exports;
}

}  // namespace

NODE_API_MODULE(refinery_pcap, Init)
