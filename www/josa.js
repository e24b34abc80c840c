// Korean particles (조사) after a value the page fills in: 브로커 3이, orders를,
// producer-1로, topic-a와. A particle depends on how the word before it is read
// aloud: ending in a vowel (가, 를, 는, 와, 로), in a consonant (이, 을, 은, 과, 으로),
// or in ㄹ (이, 을, 은, 과, but 로 rather than 으로).
//
// Why our own function: es-hangul reads digits and Latin names as vowel endings
// ("브로커 3가", "orders-0를"). The npm package `josa` (3.0.1, with `jongseong`) reads
// digits and most Latin endings right, but on this page's values it still reads
// "topic" (토픽) as a vowel ending and "(없음)" as a vowel, it is CommonJS only,
// and pulls in a second package: the rules below are short and tested on a table
// (tests/unit/josa.test.mjs) instead.
//
// How a word is read:
// - Trailing spaces, punctuation, brackets and symbols are skipped to the last
//   readable character ("[1, 3]" reads as 3). A gloss in round brackets stuck to a
//   word ("Stable(안정)") is skipped too: the particle follows the word itself.
// - Hangul: its final consonant (받침); ㄹ-final is ㄹ.
// - Numbers: Sino-Korean. The last digit (영 일 이 삼 사 오 육 칠 팔 구), or, for
//   trailing zeros, the unit (십 백 천 만 억 조 경): 10 십, 100 백, 1000 천, 10000 만.
// - Latin letters: a lone letter, an all-capital run of up to three letters
//   (ISR, LEO) or a short file extension (.png) by its letter names: 엘 (l) and
//   알 (r) end in ㄹ, 엠 (m) and 엔 (n) in a consonant, every other letter name in
//   a vowel (에이, 비, 씨, …, 와이).
//   A word by its usual English reading of its ending (ENDINGS below).

/** @typedef {'vowel' | 'rieul' | 'consonant'} Final */

const DIGIT = ['consonant', 'rieul', 'vowel', 'consonant', 'vowel', 'vowel', 'consonant', 'rieul', 'rieul', 'vowel'];
//             영           일       이       삼           사       오       육           칠       팔       구

/** Letter names as Koreans read them: l 엘, r 알 end in ㄹ; m 엠, n 엔 in a consonant. */
const LETTER = { l: 'rieul', r: 'rieul', m: 'consonant', n: 'consonant' };

/**
 * How an English word's ending is read, first match wins (tested on lower case).
 * Anything not listed ends in a vowel: orders 오더스, producer 프로듀서, backward 백워드,
 * sync 싱크, log 로그, schema 스키마, state 스테이트, client 클라이언트.
 */
const ENDINGS = [
  [/(?:l|le)$/, 'rieul'], //           full 풀, level 레벨, table 테이블, file 파일
  [/(?:ng|m|me|n|ne)$/, 'consonant'], // billing 빌링, stream 스트림, name 네임, json 제이슨, none 논
  [/(?:ck|ic|ook)$/, 'consonant'], //  lock 락, topic 토픽, book 북 (but disk 디스크, week 위크)
  [/(?:[aeiou]p|pp|ype)$/, 'consonant'], // app 앱, group 그룹, step 스텝, type 타입 (but dump 덤프)
  [/(?:ob|eb|ab)$/, 'consonant'], //   job 잡, web 웹, lab 랩 (but hub 허브)
  [/(?:out|(?:^|[^aeiou])[aeiou]t)$/, 'consonant'], // timeout 타임아웃, commit 커밋, set 셋, format 포맷 (but root 루트, client 클라이언트)
];

const isHangul = (c) => c >= '가' && c <= '힣';
const isJamo = (c) => c >= 'ㄱ' && c <= 'ㅣ';
const isReadable = (c) => /[0-9A-Za-z]/.test(c) || isHangul(c) || isJamo(c);

/** The ending of a Hangul syllable. */
function hangulFinal(c) {
  const jong = (c.charCodeAt(0) - 0xac00) % 28;
  if (jong === 0) return 'vowel';
  return jong === 8 ? 'rieul' : 'consonant';
}

/** A lone jamo by its name: ㄱ 기역 … ㅎ 히읗 end in a consonant (ㄹ 리을 in ㄹ), vowels in a vowel. */
function jamoFinal(c) {
  if (c === 'ㄹ') return 'rieul';
  return c < 'ㅏ' ? 'consonant' : 'vowel';
}

/** A run of digits read as a Sino-Korean number. */
function numberFinal(digits) {
  const n = digits.replace(/^0+(?=\d)/, '');
  if (/^0+$/.test(n)) return 'consonant'; // 영
  const zeros = /0*$/.exec(n)[0].length;
  if (zeros === 0) return DIGIT[Number(n[n.length - 1])];
  if (zeros <= 7) return 'consonant'; // 십, 백, 천, 만 (십만, 백만, 천만)
  if (zeros <= 11) return 'consonant'; // 억
  if (zeros <= 15) return 'vowel'; // 조
  return 'consonant'; // 경, and beyond: a consonant is the safer guess
}

/** A run of Latin letters; `before` is the character just before the run ('' at the start). */
function latinFinal(run, before) {
  // ISR, LEO; a file's extension after a dot is spelled too: .png 피엔지, .svg 에스브이지.
  const acronym = run.length <= 3 && ((run === run.toUpperCase() && before !== '_') || before === '.');
  if (run.length === 1 || acronym) return LETTER[run[run.length - 1].toLowerCase()] || 'vowel';
  const w = run.toLowerCase();
  for (const [re, fin] of ENDINGS) if (re.test(w)) return fin;
  return 'vowel';
}

/**
 * How `word` ends when read aloud: 'vowel', 'rieul' (ㄹ) or 'consonant'.
 * A word with nothing readable counts as ending in a vowel.
 * @returns {Final}
 */
export function finalSound(word) {
  let s = String(word ?? '');
  // A gloss in round brackets stuck to a word: "Stable(안정)", "커밋(commit)".
  const gloss = /^(.*[0-9A-Za-z가-힣])\([^()]*\)[^0-9A-Za-z가-힣ㄱ-ㅣ]*$/.exec(s);
  if (gloss) s = gloss[1];
  let end = s.length;
  while (end > 0 && !isReadable(s[end - 1])) end -= 1;
  if (end === 0) return 'vowel';
  s = s.slice(0, end);
  const last = s[end - 1];
  if (isHangul(last)) return hangulFinal(last);
  if (isJamo(last)) return jamoFinal(last);
  if (/\d/.test(last)) {
    const grouped = /\d{1,3}(?:,\d{3})+$/.exec(s); // 1,000
    return numberFinal(grouped ? grouped[0].replace(/,/g, '') : /\d+$/.exec(s)[0]);
  }
  const run = /[A-Za-z]+$/.exec(s)[0];
  return latinFinal(run, s[end - run.length - 1] || '');
}

/**
 * The particle pairs: [after a consonant, after a vowel]. ㄹ takes the consonant form,
 * except for 으로/로, where it takes 로.
 */
export const PAIRS = [
  ['이', '가'],
  ['은', '는'],
  ['을', '를'],
  ['과', '와'],
  ['으로', '로'],
  ['으로서', '로서'],
  ['으로써', '로써'],
  ['이나', '나'],
  ['이라', '라'],
  ['이랑', '랑'],
  ['아', '야'],
  ['이에요', '예요'],
  ['이었', '였'],
];

/** The pair a marker names, in either order ("이/가" or "가/이"), or null. */
export function pairOf(a, b) {
  return PAIRS.find(([c, v]) => (a === c && b === v) || (a === v && b === c)) || null;
}

/**
 * The particle of `pair` ([consonant form, vowel form]) that follows `word`.
 * 으로/로 (and 으로서, 으로써) take 로 after ㄹ as after a vowel.
 */
export function pickParticle(word, pair) {
  const [afterConsonant, afterVowel] = pair;
  const fin = finalSound(word);
  if (fin === 'vowel') return afterVowel;
  if (fin === 'rieul' && afterConsonant.startsWith('으로')) return afterVowel;
  return afterConsonant;
}

/** `word` with the right one of the two particles `a`/`b` (in either order) after it. */
export function josa(word, a, b) {
  const pair = pairOf(a, b);
  if (!pair) throw new Error(`not a particle pair: ${a}/${b}`);
  return String(word) + pickParticle(word, pair);
}
