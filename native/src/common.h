// Shared pieces of the capture addon: the batch slot (column arrays owned by JavaScript,
// written by native code) and small helpers.
#pragma once

#include <napi.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace refinery {

// One batch: JavaScript typed arrays (a PacketBatch's columns) whose memory native code fills.
// The arrays stay referenced so their backing stores outlive the native object.
struct Slot {
  uint8_t* data = nullptr;
  size_t dataCap = 0;
  uint32_t* offset = nullptr;
  uint32_t* caplen = nullptr;
  uint32_t* wirelen = nullptr;
  double* tsSec = nullptr;
  uint32_t* tsNsec = nullptr;
  uint32_t capacity = 0;  // packets
  uint32_t count = 0;
  size_t used = 0;
  std::vector<Napi::ObjectReference> refs;

  void reset() { count = 0; used = 0; }

  // True when a record of `len` captured bytes fits.
  bool fits(uint32_t len) const { return count < capacity && used + len <= dataCap; }

  // Appends one record (the caller checked fits()).
  void append(const struct pcap_pkthdr* h, const u_char* bytes, bool nano) {
    uint32_t i = count++;
    uint32_t len = h->caplen;
    offset[i] = static_cast<uint32_t>(used);
    caplen[i] = len;
    wirelen[i] = h->len;
    tsSec[i] = static_cast<double>(h->ts.tv_sec);
    tsNsec[i] = nano ? static_cast<uint32_t>(h->ts.tv_usec) : static_cast<uint32_t>(h->ts.tv_usec) * 1000u;
    std::memcpy(data + used, bytes, len);
    used += len;
  }
};

template <typename T>
T* ArrayData(const Napi::Object& o, const char* name, size_t* length, std::vector<Napi::ObjectReference>& refs) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get(name);
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, std::string("slot.") + name + " must be a typed array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.ElementSize() != sizeof(T)) throw Napi::TypeError::New(env, std::string("slot.") + name + " has the wrong element size");
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  *length = ta.ElementLength();
  refs.emplace_back(Napi::Persistent(ta.As<Napi::Object>()));
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset());
}

// Binds a slot to {buf: Uint8Array, offset, caplen, wirelen: Uint32Array, tsSec: Float64Array, tsNsec: Uint32Array}.
inline void BindSlot(const Napi::Value& value, Slot& s) {
  Napi::Env env = value.Env();
  if (!value.IsObject()) throw Napi::TypeError::New(env, "each slot must be an object of typed arrays");
  Napi::Object o = value.As<Napi::Object>();
  size_t n = 0, m = 0;
  s.data = ArrayData<uint8_t>(o, "buf", &s.dataCap, s.refs);
  s.offset = ArrayData<uint32_t>(o, "offset", &n, s.refs);
  s.caplen = ArrayData<uint32_t>(o, "caplen", &m, s.refs); n = std::min(n, m);
  s.wirelen = ArrayData<uint32_t>(o, "wirelen", &m, s.refs); n = std::min(n, m);
  s.tsSec = ArrayData<double>(o, "tsSec", &m, s.refs); n = std::min(n, m);
  s.tsNsec = ArrayData<uint32_t>(o, "tsNsec", &m, s.refs); n = std::min(n, m);
  if (n == 0 || s.dataCap == 0) throw Napi::RangeError::New(env, "slot arrays must not be empty");
  s.capacity = static_cast<uint32_t>(n);
}

// libpcap DLT_* value to the LINKTYPE_* number written in files (they differ for a few types).
inline int LinkTypeOf(int dlt) {
  switch (dlt) {
    case 12:  // DLT_RAW on most systems
    case 14:  // DLT_RAW on OpenBSD
      return 101;
    case 9: return 9;
    default: return dlt;
  }
}

inline std::string OptString(const Napi::Object& o, const char* k, const std::string& dflt) {
  Napi::Value v = o.Get(k);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string(k) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline int64_t OptInt(const Napi::Object& o, const char* k, int64_t dflt) {
  Napi::Value v = o.Get(k);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(k) + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

inline bool OptBool(const Napi::Object& o, const char* k, bool dflt) {
  Napi::Value v = o.Get(k);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  return v.ToBoolean().Value();
}

Napi::Function InitLive(Napi::Env env);
Napi::Function InitFile(Napi::Env env);

}  // namespace refinery
