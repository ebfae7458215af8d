#!/usr/bin/env node
'use strict';
/*
 * hessian.js (npm hessian.js@2.11.0) as an independent Hessian 2.0 peer for dubbopy's cross-check tests.
 *
 * A long-lived process answering one JSON object per line on stdin with one JSON object per line on stdout:
 *
 *   {"op":"encode","value":<tagged>}           -> {"hex":"..."}       one value
 *   {"op":"encode","values":[<tagged>,...]}    -> {"hex":"..."}       several values in ONE stream (shared
 *                                                                      class, type and ref tables)
 *   {"op":"decode","hex":"..."}                -> {"value":<tagged>}  exactly one value, all bytes used
 *   {"op":"decode","hex":"...","all":true}     -> {"values":[...]}    every value up to the end
 *   {"op":"ping"}                              -> {"peer":"hessian.js","version":"2.11.0"}
 *   anything that fails                        -> {"error":"..."}
 * A request's "id", when present, is copied into its answer.
 *
 * Tagged JSON (the same form the Java hessian-lite checker speaks):
 *   null, true, false, "plain string"
 *   {"$int":n}            int forms (0x80-0xd7, I)
 *   {"$long":"decimal"}   long forms (0xd8-0xff, 0x38-0x3f, Y, L); a JSON number is accepted on input
 *   {"$double":x}         double forms (D, 0x5b-0x5f); x may also be "NaN", "Infinity", "-Infinity", "-0.0"
 *   {"$date":ms}          date forms (0x4a, 0x4b)
 *   {"$bytes":"hex"}      binary
 *   {"$list":[...]}                  untyped list       {"$list":[...],"$type":"[int"}  typed list
 *   {"$map":[[k,v],...]}             untyped map (H)    {"$map":[...],"$type":"java.util.TreeMap"}  typed (M)
 *   {"$class":"org.x.User","$fields":{"name":...}}    object; field order = JSON key order
 *
 * How the wire type survives: hessian.js's own read() folds int, long and double into JS numbers and turns
 * objects into {$class,$}, so this file never calls it. TaggedDecoder.value() peeks at the tag byte and
 * calls the hessian.js reader for exactly that family (readInt, readLong, readDouble, readDate, readBytes,
 * readString, readType for type names and type refs): the tag byte decides the tagged form, hessian.js does
 * the parsing. Lists, maps, class definitions and objects are framed here (hessian.js's readArray rejects
 * U/W lists, its readObject rewrites classes whose name ends in "Exception", its class definitions rename a
 * field this$0), with the ref slots kept in hessian.js's own ref table. On the encode
 * side the encoder instance's write() is replaced by encodeValue(), so hessian.js's writeArray,
 * _writeHashMap and _writeObject (its class-definition and type-ref logic) call back into the tagged walk
 * for every element; hessian.js's generic write() would turn NaN into null and any map class it does not
 * know into an object.
 *
 * A value reference (0x51) decodes to a copy of the value it points to; a reference to a container that is
 * still being read (a cycle) is an error, since JSON cannot carry it.
 */

const readline = require('readline');
const EncoderV2 = require('hessian.js/lib/v2/encoder');
const DecoderV2 = require('hessian.js/lib/v2/decoder');
const HESSIAN_VERSION = require('hessian.js/package.json').version;

const MAX_DEPTH = 512;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;
const SPECIAL_DOUBLES = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0.0': -0, '-0': -0 };

// ---------------------------------------------------------------------------------------------- encode

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// A JS Map merges equal primitive keys, so map keys travel wrapped; JSON input can never hold a Symbol.
const KEY = Symbol('map key');

function encodeValue(enc, v) {
  if (enc.depth >= MAX_DEPTH) throw new Error('value nested deeper than ' + MAX_DEPTH);
  enc.depth++;
  try {
    return encodeTagged(enc, v !== null && typeof v === 'object' && KEY in v ? v[KEY] : v);
  } finally {
    enc.depth--;
  }
}

function encodeTagged(enc, v) {
  if (v === undefined) throw new Error('missing value');
  if (v === null) return enc.writeNull();
  if (typeof v === 'boolean') return enc.writeBool(v);
  if (typeof v === 'string') return enc.writeString(v);
  if (!isPlainObject(v)) throw new Error('not a tagged value: ' + JSON.stringify(v));

  if ('$int' in v) {
    const n = v.$int;
    if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) throw new Error('$int out of range: ' + n);
    return enc.writeInt(n);
  }
  if ('$long' in v) {
    const s = String(v.$long);
    if (!/^-?[0-9]+$/.test(s)) throw new Error('$long is not a decimal integer: ' + s);
    const big = BigInt(s);
    if (big < LONG_MIN || big > LONG_MAX) throw new Error('$long out of range: ' + s);
    return enc.writeLong(big.toString()); // hessian.js: a safe integer goes as a Number, else Long.fromString
  }
  if ('$double' in v) return enc.writeDouble(toDouble(v.$double));
  if ('$date' in v) {
    const ms = v.$date;
    if (!Number.isSafeInteger(ms)) throw new Error('$date must be an integer of milliseconds: ' + ms);
    return enc.writeDate(ms);
  }
  if ('$bytes' in v) {
    const hex = v.$bytes;
    if (typeof hex !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error('$bytes is not hex');
    return enc.writeBytes(Buffer.from(hex, 'hex'));
  }
  if ('$list' in v) {
    const items = v.$list;
    if (!Array.isArray(items)) throw new Error('$list must be an array');
    if (v.$type === undefined || v.$type === null) return enc.writeArray(items); // ref slot, 0x78+n / X n
    // not writeArray({$class, $}): that one writes a list typed java.util.ArrayList as untyped
    enc._checkRef(items);
    enc._writeListBegin(items.length, checkType(v.$type)); // 0x70+n / V n, type string or type ref
    for (const item of items) enc.write(item);
    return enc;
  }
  if ('$map' in v) {
    const pairs = v.$map;
    if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && p.length === 2)) {
      throw new Error('$map must be an array of [key, value] pairs');
    }
    const map = new Map(pairs.map(([k, val]) => [{ [KEY]: k }, val]));
    const typed = v.$type !== undefined && v.$type !== null;
    enc._checkRef(map);
    return enc._writeHashMap(map, typed ? checkType(v.$type) : ''); // H, or M and a type; pairs; Z
  }
  if ('$class' in v) {
    const name = checkType(v.$class);
    const fields = v.$fields;
    if (!isPlainObject(fields)) throw new Error('$fields must be an object');
    const defined = enc._classRefFields[name];
    if (defined && JSON.stringify(defined) !== JSON.stringify(Object.keys(fields))) {
      throw new Error('class ' + name + ' was defined in this stream with the fields ' + JSON.stringify(defined));
    }
    enc._checkRef(fields);
    return enc._writeObject({ $class: name, $: fields }); // C definition once per class, 0x60+ref / O ref
  }
  throw new Error('unknown tagged value: ' + JSON.stringify(v).slice(0, 200));
}

function toDouble(x) {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && Object.prototype.hasOwnProperty.call(SPECIAL_DOUBLES, x)) return SPECIAL_DOUBLES[x];
  throw new Error('$double must be a number or NaN/Infinity/-Infinity/-0.0: ' + JSON.stringify(x));
}

function checkType(t) {
  if (typeof t !== 'string' || t === '') throw new Error('a type or class name must be a non-empty string');
  return t;
}

function encode(values) {
  const enc = new EncoderV2({ size: 1024 });
  enc.depth = 0;
  // hessian.js's containers write their elements with this.write(): send them through the tagged walk
  enc.write = (x) => encodeValue(enc, x);
  for (const value of values) enc.write(value);
  return enc.get().toString('hex');
}

// ---------------------------------------------------------------------------------------------- decode

const STRING_TAGS = new Set([0x52, 0x53]);
const BYTES_TAGS = new Set([0x41, 0x42]);
const LONG_TAGS = new Set([0x4c, 0x59]);
const DOUBLE_TAGS = new Set([0x44, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f]);

function within(code, lo, hi) {
  return code >= lo && code <= hi;
}

class TaggedDecoder {
  constructor(buf) {
    this.d = new DecoderV2(buf);
    this.bb = this.d.byteBuffer;
    this.end = buf.length;
    this.open = new Set(); // containers still being read: a ref to one of them is a cycle
  }

  get position() {
    return this.bb.position();
  }

  fail(what, at) {
    throw new Error(what + ' at offset ' + (at === undefined ? this.position : at));
  }

  peek() {
    if (this.position >= this.end) this.fail('unexpected end of data');
    return this.bb.get(this.position);
  }

  // run a hessian.js reader, then check it did not run past the end
  call(fn) {
    const at = this.position;
    let value;
    try {
      value = fn.call(this.d);
    } catch (err) {
      if (err instanceof RangeError) this.fail('value truncated', at); // Buffer read past the end
      throw err;
    }
    if (this.position > this.end) this.fail('value truncated', at);
    return value;
  }

  count(n, at) {
    if (!Number.isInteger(n) || n < 0 || n > this.end - this.position) this.fail('bad length ' + n, at);
    return n;
  }

  type() {
    const at = this.position;
    const t = this.call(this.d.readType);
    if (typeof t !== 'string' || t === '') this.fail('undefined or empty type', at);
    return t;
  }

  value(depth) {
    if (depth > MAX_DEPTH) this.fail('nesting deeper than ' + MAX_DEPTH);
    const at = this.position;
    const code = this.peek();
    if (code === 0x4e) return this.call(this.d.readNull);
    if (code === 0x54 || code === 0x46) return this.call(this.d.readBool);
    if (within(code, 0x80, 0xd7) || code === 0x49) return { $int: this.call(this.d.readInt) };
    if (within(code, 0xd8, 0xff) || within(code, 0x38, 0x3f) || LONG_TAGS.has(code)) {
      return { $long: String(this.call(this.d.readLong)) }; // number, or a string when beyond 2^53
    }
    if (DOUBLE_TAGS.has(code)) return { $double: fromDouble(this.call(this.d.readDouble)) };
    if (code === 0x4a || code === 0x4b) {
      const ms = this.call(this.d.readDate).getTime();
      if (!Number.isSafeInteger(ms)) this.fail('date beyond what a JS Date holds', at);
      return { $date: ms };
    }
    if (within(code, 0x20, 0x2f) || within(code, 0x34, 0x37) || BYTES_TAGS.has(code)) {
      return { $bytes: this.call(this.d.readBytes).toString('hex') };
    }
    if (within(code, 0x00, 0x1f) || within(code, 0x30, 0x33) || STRING_TAGS.has(code)) {
      return this.call(this.d.readString);
    }
    if (within(code, 0x55, 0x58) || within(code, 0x70, 0x7f)) return this.list(code, depth);
    if (code === 0x48 || code === 0x4d) return this.map(code, depth);
    if (code === 0x43) {
      this.definition();
      return this.value(depth); // a definition is followed by the value that uses it
    }
    if (code === 0x4f || within(code, 0x60, 0x6f)) return this.object(code, depth);
    if (code === 0x51) {
      this.bb.skip(1);
      const ref = this.call(this.d.readInt);
      if (!Object.prototype.hasOwnProperty.call(this.d.refMap, ref)) this.fail('ref to undefined index ' + ref, at);
      const target = this.d.refMap[ref];
      if (this.open.has(target)) this.fail('cyclic ref to value #' + ref + ' (not expressible in JSON)', at);
      return target;
    }
    this.fail('unexpected tag 0x' + code.toString(16), at);
  }

  list(code, depth) {
    this.bb.skip(1);
    let type = null;
    let length = -1; // variable length, ends with Z
    if (code === 0x55 || code === 0x56 || within(code, 0x70, 0x77)) type = this.type();
    if (code === 0x56 || code === 0x58) length = this.call(this.d.readInt);
    else if (within(code, 0x70, 0x7f)) length = (code - 0x70) & 7;
    const items = [];
    const result = type === null ? { $list: items } : { $list: items, $type: type };
    this.d._addRef(result);
    this.open.add(result);
    if (length >= 0) {
      this.count(length);
      for (let i = 0; i < length; i++) items.push(this.value(depth + 1));
    } else {
      while (this.peek() !== 0x5a) items.push(this.value(depth + 1));
      this.bb.skip(1);
    }
    this.open.delete(result);
    return result;
  }

  map(code, depth) {
    this.bb.skip(1);
    const type = code === 0x4d ? this.type() : null;
    const pairs = [];
    const result = type === null ? { $map: pairs } : { $map: pairs, $type: type };
    this.d._addRef(result);
    this.open.add(result);
    while (this.peek() !== 0x5a) {
      const k = this.value(depth + 1);
      pairs.push([k, this.value(depth + 1)]);
    }
    this.bb.skip(1);
    this.open.delete(result);
    return result;
  }

  // not hessian.js's _readObjectDefinition: it renames fields called this$0 (an inner class's outer
  // instance, which Java does write) to '$$ignore_inner_property$$'
  definition() {
    const at = this.position;
    this.bb.skip(1);
    const name = this.call(this.d.readString);
    const count = this.count(this.call(this.d.readInt), at);
    const fields = [];
    for (let i = 0; i < count; i++) fields.push(this.call(this.d.readString));
    if (name === '') this.fail('class definition without a name', at);
    this.d.classes.push({ name, fields });
  }

  object(code, depth) {
    const at = this.position;
    this.bb.skip(1);
    const ref = code === 0x4f ? this.call(this.d.readInt) : code - 0x60;
    const cls = this.d.classes[ref];
    if (cls === undefined) this.fail('object of undefined class definition #' + ref, at);
    const fields = Object.create(null); // a field called __proto__ stays a field
    const result = { $class: cls.name, $fields: fields };
    this.d._addRef(result);
    this.open.add(result);
    for (const name of cls.fields) fields[name] = this.value(depth + 1);
    this.open.delete(result);
    return result;
  }
}

function fromDouble(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0.0'; // JSON.stringify would print 0
  return x;
}

function decode(hex, all) {
  if (typeof hex !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error('hex is not hex');
  const dec = new TaggedDecoder(Buffer.from(hex, 'hex'));
  const values = [dec.value(0)];
  while (all && dec.position < dec.end) values.push(dec.value(0));
  if (dec.position !== dec.end) dec.fail((dec.end - dec.position) + ' trailing bytes');
  return values;
}

// ---------------------------------------------------------------------------------------------- serve

function answer(request) {
  switch (request.op) {
    case 'encode':
      if (Array.isArray(request.values)) return { hex: encode(request.values) };
      if (!('value' in request)) throw new Error('encode needs "value" or "values"');
      return { hex: encode([request.value]) };
    case 'decode': {
      const values = decode(request.hex, request.all === true);
      return request.all === true ? { values } : { value: values[0] };
    }
    case 'ping':
      return { peer: 'hessian.js', version: HESSIAN_VERSION };
    default:
      throw new Error('unknown op: ' + JSON.stringify(request.op));
  }
}

function serve(line) {
  let request = null;
  let reply;
  try {
    request = JSON.parse(line);
    if (!isPlainObject(request)) throw new Error('a request must be a JSON object');
    reply = answer(request);
    reply = JSON.stringify(isPlainObject(request) && 'id' in request ? { id: request.id, ...reply } : reply);
  } catch (err) {
    const error = { error: String((err && err.message) || err) };
    if (isPlainObject(request) && 'id' in request) error.id = request.id;
    reply = JSON.stringify(error); // also where a cyclic value ends up (JSON.stringify throws on it)
  }
  process.stdout.write(reply + '\n');
}

if (require.main === module) {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => {
    if (line.trim() !== '') serve(line);
  });
  rl.on('close', () => process.exit(0));
}

module.exports = { encode, decode, answer };
